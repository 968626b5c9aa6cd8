/**
 * Per-address limits at the gateway: open connections, and hellos per second (a token bucket with
 * one second of burst). They keep one host from exhausting a node's sockets or its Redis budget.
 * Defaults are generous because mobile carriers put many phones behind one address.
 */
export class AddressLimits {
  private readonly open = new Map<string, number>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly maxPerAddress: number,
    private readonly hellosPerSecond: number,
  ) {}

  /** Counts a new connection; false (and not counted) when the address is at its limit. */
  tryOpen(address: string): boolean {
    const n = this.open.get(address) ?? 0;
    if (n >= this.maxPerAddress) return false;
    this.open.set(address, n + 1);
    return true;
  }

  closed(address: string): void {
    const n = (this.open.get(address) ?? 1) - 1;
    if (n > 0) this.open.set(address, n);
    else this.open.delete(address);
  }

  openFrom(address: string): number {
    return this.open.get(address) ?? 0;
  }

  tryHello(address: string, now: number): boolean {
    const b = this.buckets.get(address) ?? { tokens: this.hellosPerSecond, at: now };
    b.tokens = Math.min(
      this.hellosPerSecond,
      b.tokens + ((now - b.at) / 1000) * this.hellosPerSecond,
    );
    b.at = now;
    this.buckets.set(address, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Forgets buckets that have refilled: they carry no state worth keeping. */
  sweep(now: number): void {
    for (const [address, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.hellosPerSecond >= this.hellosPerSecond)
        this.buckets.delete(address);
    }
  }
}
