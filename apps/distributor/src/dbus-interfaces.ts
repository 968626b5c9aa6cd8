import { interface as dbusInterface, Variant } from 'dbus-next';
import { Distributor } from './distributor';

const { Interface } = dbusInterface;

/** `org.unifiedpush.Distributor1`: Register(serviceName, token, description) → (result, reason). */
export class Distributor1 extends Interface {
  constructor(private readonly d: Distributor) {
    super('org.unifiedpush.Distributor1');
  }

  async Register(serviceName: string, token: string, description: string): Promise<string[]> {
    const r = await this.d.register({
      service: serviceName,
      token,
      description,
      api: 1,
      vapid: null,
    });
    return [r.result, r.reason];
  }

  Unregister(token: string): void {
    this.d.unregister(token);
  }
}
Distributor1.configureMembers({
  methods: {
    Register: { inSignature: 'sss', outSignature: 'ss' },
    Unregister: { inSignature: 's', outSignature: '' },
  },
});

const str = (args: Record<string, Variant>, key: string): string => {
  const v = args[key]?.value as unknown;
  return typeof v === 'string' ? v : '';
};

/**
 * `org.unifiedpush.Distributor2`: dictionary arguments, with the keys the connectors in use send
 * and read (KUnifiedPush, unifiedpush_linux): Register {service, token, description?, vapid?} →
 * {success, reason?} where reason is a code (NETWORK, UNAUTHORIZED, INTERNAL_ERROR, …);
 * Unregister {token} → {}.
 */
export class Distributor2 extends Interface {
  constructor(private readonly d: Distributor) {
    super('org.unifiedpush.Distributor2');
  }

  async Register(args: Record<string, Variant>): Promise<Record<string, Variant>> {
    const r = await this.d.register({
      service: str(args, 'service'),
      token: str(args, 'token'),
      description: str(args, 'description'),
      api: 2,
      vapid: str(args, 'vapid') || null,
    });
    return {
      success: new Variant('s', r.result),
      ...(r.failure ? { reason: new Variant('s', r.failure) } : {}),
    };
  }

  Unregister(args: Record<string, Variant>): Record<string, Variant> {
    this.d.unregister(str(args, 'token'));
    return {};
  }
}
Distributor2.configureMembers({
  methods: {
    Register: { inSignature: 'a{sv}', outSignature: 'a{sv}' },
    Unregister: { inSignature: 'a{sv}', outSignature: 'a{sv}' },
  },
});
