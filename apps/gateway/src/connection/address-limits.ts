import { Budget, fullBudget, take } from './rate-budget';

/**
 * Per-address limits at the gateway: open connections, hellos per second (a token bucket with
 * one second of burst) and new UAIDs per minute (one minute of burst). They keep one host from
 * exhausting a node's sockets or its Redis budget. Defaults are generous because mobile carriers
 * put many phones behind one address.
 */
export class AddressLimits {
  private readonly open = new Map<string, number>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly uaidBuckets = new Map<string, Budget>();

  constructor(
    private readonly maxPerAddress: number,
    private readonly hellosPerSecond: number,
    private readonly newUaidsPerMinute = Infinity,
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

  /** Takes one new UAID from the address's budget; false (nothing taken) when it is spent. */
  tryNewUaid(address: string, now: number): boolean {
    const burst = this.newUaidsPerMinute;
    let b = this.uaidBuckets.get(address);
    if (!b) this.uaidBuckets.set(address, (b = fullBudget(burst, now)));
    return take(b, now, burst / 60, burst);
  }

  /** Gives back a token taken for a hello that turned out not to need a new UAID. */
  returnNewUaid(address: string): void {
    const b = this.uaidBuckets.get(address);
    if (b) b.tokens = Math.min(this.newUaidsPerMinute, b.tokens + 1);
  }

  /** Forgets buckets that have refilled: they carry no state worth keeping. */
  sweep(now: number): void {
    const burst = this.newUaidsPerMinute;
    for (const [address, b] of this.uaidBuckets) {
      if (b.tokens + ((now - b.at) / 60_000) * burst >= burst) this.uaidBuckets.delete(address);
    }
    for (const [address, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.hellosPerSecond >= this.hellosPerSecond)
        this.buckets.delete(address);
    }
  }
}
