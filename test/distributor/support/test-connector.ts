import { interface as dbusInterface, MessageBus, sessionBus, Variant } from 'dbus-next';

const { Interface } = dbusInterface;

/** One call the distributor made on the test app's connector. */
export type ConnectorCall =
  | { api: 1 | 2; member: 'NewEndpoint'; token: string; endpoint: string }
  | { api: 1 | 2; member: 'Message'; token: string; message: Buffer; id: string }
  | { api: 1 | 2; member: 'Unregistered'; token: string };

/**
 * A UnifiedPush app on the private bus (dbus-next in the test process): owns its name and
 * records every Connector1 / Connector2 call. Waits are on those calls.
 */
export class TestConnector {
  readonly calls: ConnectorCall[] = [];
  private waiters: Array<() => void> = [];
  private constructor(readonly bus: MessageBus) {}

  static async start(address: string, name: string): Promise<TestConnector> {
    const bus = sessionBus({ busAddress: address });
    const c = new TestConnector(bus);
    const record = (call: ConnectorCall) => {
      c.calls.push(call);
      for (const w of c.waiters.splice(0)) w();
    };

    class Connector1 extends Interface {
      Message(token: string, message: Buffer, id: string) {
        record({ api: 1, member: 'Message', token, message: Buffer.from(message), id });
      }
      NewEndpoint(token: string, endpoint: string) {
        record({ api: 1, member: 'NewEndpoint', token, endpoint });
      }
      Unregistered(token: string) {
        record({ api: 1, member: 'Unregistered', token });
      }
    }
    Connector1.configureMembers({
      methods: {
        Message: { inSignature: 'says', outSignature: '' },
        NewEndpoint: { inSignature: 'ss', outSignature: '' },
        Unregistered: { inSignature: 's', outSignature: '' },
      },
    });
    const v = (args: Record<string, Variant>, k: string) => args[k]?.value as unknown;
    class Connector2 extends Interface {
      Message(args: Record<string, Variant>) {
        record({
          api: 2,
          member: 'Message',
          token: v(args, 'token') as string,
          message: Buffer.from(v(args, 'message') as Buffer),
          id: v(args, 'id') as string,
        });
        return {};
      }
      NewEndpoint(args: Record<string, Variant>) {
        const endpoint = v(args, 'endpoint') as string;
        record({ api: 2, member: 'NewEndpoint', token: v(args, 'token') as string, endpoint });
        return {};
      }
      Unregistered(args: Record<string, Variant>) {
        record({ api: 2, member: 'Unregistered', token: v(args, 'token') as string });
        return {};
      }
    }
    Connector2.configureMembers({
      methods: {
        Message: { inSignature: 'a{sv}', outSignature: 'a{sv}' },
        NewEndpoint: { inSignature: 'a{sv}', outSignature: 'a{sv}' },
        Unregistered: { inSignature: 'a{sv}', outSignature: 'a{sv}' },
      },
    });
    bus.export('/org/unifiedpush/Connector', new Connector1('org.unifiedpush.Connector1'));
    bus.export('/org/unifiedpush/Connector', new Connector2('org.unifiedpush.Connector2'));
    await bus.requestName(name, 0);
    return c;
  }

  /** The first call from index `from` on that matches. */
  async next<T extends ConnectorCall>(
    match: (c: ConnectorCall) => c is T,
    from = 0,
    timeoutMs = 15_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.calls.slice(from).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching connector call: ${JSON.stringify(this.calls)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  stop(): void {
    this.bus.disconnect();
  }
}

export const isEndpoint =
  (token: string) =>
  (c: ConnectorCall): c is Extract<ConnectorCall, { member: 'NewEndpoint' }> =>
    c.member === 'NewEndpoint' && c.token === token;
export const isMessage =
  (token: string) =>
  (c: ConnectorCall): c is Extract<ConnectorCall, { member: 'Message' }> =>
    c.member === 'Message' && c.token === token;
export const isUnregistered = (
  c: ConnectorCall,
): c is Extract<ConnectorCall, { member: 'Unregistered' }> => c.member === 'Unregistered';
