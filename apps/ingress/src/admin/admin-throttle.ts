/**
 * Failed admin authentications per client address, so the admin token cannot be guessed at the
 * speed of the network: after `limit` failures from one address in a one-minute window, that
 * address is refused (429) until the window ends, whatever token it sends, or the refusal would
 * still confirm a right guess. Counted in this process (each ingress replica throttles on its
 * own), in fixed windows that start and end together, so the table is dropped every minute.
 */
export class AdminThrottle {
  private windowStart = 0;
  private failures = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    /** Addresses tracked per window at most: the table cannot grow without bound. */
    private readonly maxAddresses = 100_000,
  ) {}

  /** 0 when `address` may try its token now, else the seconds until its window ends. */
  retryAfter(address: string, now: number): number {
    this.roll(now);
    if ((this.failures.get(address) ?? 0) < this.limit) return 0;
    return Math.max(1, Math.ceil((this.windowStart + this.windowMs - now) / 1000));
  }

  /** One more failed authentication from `address`. */
  failed(address: string, now: number): void {
    this.roll(now);
    const count = this.failures.get(address);
    if (count === undefined && this.failures.size >= this.maxAddresses) return;
    this.failures.set(address, (count ?? 0) + 1);
  }

  private roll(now: number): void {
    if (now - this.windowStart < this.windowMs) return;
    this.windowStart = now - ((now - this.windowStart) % this.windowMs);
    this.failures = new Map();
  }
}
