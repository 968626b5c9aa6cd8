import { clientAddress, parseTrustProxy, TrustProxyFn } from './trust-proxy';
import { configSchema } from './config.schema';

const fn = (v: string) => parseTrustProxy(v) as TrustProxyFn;

describe('TRUST_PROXY', () => {
  it('trusts nobody by default and for false, 0, no', () => {
    for (const v of ['false', '0', 'no', '']) {
      expect(clientAddress(fn(v), '10.0.0.1', '198.51.100.7')).toBe('10.0.0.1');
    }
    expect(configSchema.shape.TRUST_PROXY.parse(undefined)).toBe('false');
  });

  it('true (and 1) is one hop: the last entry, whatever the client wrote before it', () => {
    for (const v of ['true', 'yes', '1']) {
      expect(clientAddress(fn(v), '10.0.0.1', '6.6.6.6, 198.51.100.7')).toBe('198.51.100.7');
    }
  });

  it('a hop count walks back that many hops', () => {
    expect(clientAddress(fn('2'), '10.0.0.1', '6.6.6.6, 198.51.100.7, 10.0.0.2')).toBe(
      '198.51.100.7',
    );
    expect(clientAddress(fn('5'), '10.0.0.1', '198.51.100.7')).toBe('198.51.100.7');
  });

  it('a list trusts only the peers in it, walking back while the hops are trusted', () => {
    const trusted = fn('10.0.0.0/8, 192.0.2.1, loopback');
    expect(clientAddress(trusted, '203.0.113.9', '198.51.100.7')).toBe('203.0.113.9');
    expect(clientAddress(trusted, '10.1.2.3', '6.6.6.6, 198.51.100.7, 192.0.2.1')).toBe(
      '198.51.100.7',
    );
    expect(clientAddress(trusted, '::ffff:127.0.0.1', '198.51.100.7')).toBe('198.51.100.7');
    expect(clientAddress(trusted, '::1', '2001:db8::1')).toBe('2001:db8::1');
    expect(clientAddress(trusted, '10.1.2.3', undefined)).toBe('10.1.2.3');
  });

  it('refuses what is not an address, a block or a known name', () => {
    for (const v of ['10.0.0.0/33', 'example.com', 'loopbak', '10.0.0.1/8/8', '-1']) {
      expect(typeof parseTrustProxy(v)).toBe('string');
      expect(configSchema.shape.TRUST_PROXY.safeParse(v).success).toBe(false);
    }
  });
});
