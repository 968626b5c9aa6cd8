import { Message, MessageBus, MessageFlag, Variant } from 'dbus-next';
import type { Registration } from './registration-store';

const CONNECTOR_PATH = '/org/unifiedpush/Connector';

/**
 * Calls to apps' connectors, never waiting for a reply (the spec says so). Sent to the app's
 * well-known name, so the bus starts an app that is not running when it is D-Bus activatable.
 * Connector2 (dictionary arguments) for apps that registered through Distributor2.
 */
export class ConnectorClient {
  constructor(private readonly bus: MessageBus) {}

  newEndpoint(r: Registration): void {
    if (r.api === 2) {
      this.call2(r, 'NewEndpoint', {
        token: new Variant('s', r.token),
        endpoint: new Variant('s', r.endpoint ?? ''),
      });
    } else {
      this.call1(r, 'NewEndpoint', 'ss', [r.token, r.endpoint ?? '']);
    }
  }

  message(r: Registration, body: Buffer, id: string): void {
    if (r.api === 2) {
      this.call2(r, 'Message', {
        token: new Variant('s', r.token),
        message: new Variant('ay', body),
        id: new Variant('s', id),
      });
    } else {
      this.call1(r, 'Message', 'says', [r.token, body, id]);
    }
  }

  /** `confirm`: the app asked to unregister (Connector1 gets an empty token, as KUnifiedPush does). */
  unregistered(r: Registration, confirm: boolean): void {
    if (r.api === 2) {
      this.call2(r, 'Unregistered', { token: new Variant('s', r.token) });
    } else {
      this.call1(r, 'Unregistered', 's', [confirm ? '' : r.token]);
    }
  }

  private call1(r: Registration, member: string, signature: string, body: unknown[]): void {
    this.send(r.service, 'org.unifiedpush.Connector1', member, signature, body);
  }

  private call2(r: Registration, member: string, args: Record<string, Variant>): void {
    this.send(r.service, 'org.unifiedpush.Connector2', member, 'a{sv}', [args]);
  }

  private send(dest: string, iface: string, member: string, signature: string, body: unknown[]) {
    this.bus.send(
      new Message({
        destination: dest,
        path: CONNECTOR_PATH,
        interface: iface,
        member,
        signature,
        body,
        flags: MessageFlag.NO_REPLY_EXPECTED,
      }),
    );
  }
}
