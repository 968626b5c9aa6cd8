import { BlockList, isIP } from 'node:net';

/**
 * Which UDP wake-up addresses Herald may send to. An open UDP sender is an amplification tool,
 * so it is off by default and, when on, limited to the operator's networks (the mobile carrier's
 * ranges the phones live in), given as a comma-separated CIDR list.
 */
export class WakeupPolicy {
  private readonly allow = new BlockList();
  private readonly any: boolean;

  constructor(
    readonly enabled: boolean,
    cidrs: string,
  ) {
    let count = 0;
    for (const cidr of cidrs
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [net, bits] = cidr.split('/');
      const type = isIP(net) === 6 ? 'ipv6' : isIP(net) === 4 ? 'ipv4' : null;
      const prefix = Number(bits);
      if (
        !type ||
        !Number.isInteger(prefix) ||
        prefix < 0 ||
        prefix > (type === 'ipv4' ? 32 : 128)
      ) {
        throw new Error(`WAKEUP_ALLOWED_CIDRS: "${cidr}" is not a CIDR block`);
      }
      this.allow.addSubnet(net, prefix, type);
      count++;
    }
    this.any = count > 0;
  }

  /** The stored form 'ip:port' of an allowed address, else null. */
  admit(ip: string, port: number): string | null {
    if (!this.enabled || !this.any) return null;
    const type = isIP(ip);
    if (!type || !Number.isInteger(port) || port < 1 || port > 65535) return null;
    if (!this.allow.check(ip, type === 6 ? 'ipv6' : 'ipv4')) return null;
    return type === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
  }

  /** Parses a stored address back, re-checking it against the current policy. */
  parse(stored: string): { ip: string; port: number } | null {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(stored);
    if (!m) return null;
    const ip = m[1];
    const port = Number(m[2]);
    return this.admit(ip, port) ? { ip, port } : null;
  }
}
