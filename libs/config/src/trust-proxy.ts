import { BlockList, isIP } from 'node:net';

/**
 * Which peers may tell Herald the client's address in `X-Forwarded-For` (TRUST_PROXY). Trusting
 * every peer lets any caller pick its own address and walk around every per-address limit, so
 * the default trusts none. The forms:
 * - `false` / `0` / `no`: none; the client address is the socket's.
 * - `true` / `yes` or a hop count n: the n nearest hops (the peer and the entries it and the
 *   proxies before it appended). `true` is one hop: the last entry, as TRUST_PROXY meant before.
 * - a comma-separated list of addresses, CIDR blocks and the names `loopback`, `linklocal`,
 *   `uniquelocal`: the peers in it (and the hops they name, walking back while trusted).
 * The result is a function of (address, hop index), the shape Fastify's `trustProxy` takes.
 */
export type TrustProxyFn = (address: string, hop: number) => boolean;

const NAMED: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** The trust function of a TRUST_PROXY value, or the reason it is not one. */
export function parseTrustProxy(value: string): TrustProxyFn | string {
  const text = value.trim().toLowerCase();
  if (text === '' || text === 'false' || text === '0' || text === 'no') return () => false;
  if (text === 'true' || text === 'yes') return (_a, hop) => hop < 1;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return (_a, hop) => hop < hops;
  }
  const list = new BlockList();
  for (const entry of text.split(',').map((s) => s.trim())) {
    for (const item of NAMED[entry] ?? [entry]) {
      const [net, bits, extra] = item.split('/');
      const family = isIP(net);
      const max = family === 6 ? 128 : 32;
      const prefix = bits === undefined ? max : Number(bits);
      if (!family || extra !== undefined || !/^\d+$/.test(bits ?? '0') || prefix > max) {
        return `"${entry}" is not an address, a CIDR block, loopback, linklocal or uniquelocal`;
      }
      list.addSubnet(net, prefix, family === 6 ? 'ipv6' : 'ipv4');
    }
  }
  return (address) => {
    const plain = unmapped(address);
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
}

const compiled = new Map<string, TrustProxyFn>();

/** The trust function of a value already validated by the config schema (compiled once). */
export function trustProxyFn(value: string): TrustProxyFn {
  let fn = compiled.get(value);
  if (!fn) {
    const parsed = parseTrustProxy(value);
    if (typeof parsed === 'string') throw new Error(`TRUST_PROXY: ${parsed}`);
    compiled.set(value, (fn = parsed));
  }
  return fn;
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is checked as `10.0.0.1`. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1] : address;
}

/**
 * The client address of a request that came from `peer` with `forwardedFor` (the header's value):
 * walking back from the peer through the entries, the first address not trusted at its hop, or
 * the farthest one when all are trusted. The walk proxy-addr does for Fastify, for the gateway's
 * raw upgrade requests.
 */
export function clientAddress(
  trusted: TrustProxyFn,
  peer: string,
  forwardedFor: string | string[] | undefined,
): string {
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '');
  const hops = [
    peer,
    ...header
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .reverse(),
  ];
  for (let i = 0; i < hops.length - 1; i++) {
    if (!trusted(hops[i], i)) return hops[i];
  }
  return hops[hops.length - 1];
}
