import { Logger } from '@herald/observability';

/**
 * Logs a dependency that fails on every poll without a line per poll: the first failure at once,
 * then at most one line per `everyMs` while the outage lasts (with the failures since the last
 * line), and one line when it answers again. The metric counts every failure; the log tells when.
 */
export class OutageLog {
  /** When the current outage began; 0: none. */
  private since = 0;
  private lastLine = 0;
  private unlogged = 0;

  constructor(
    private readonly log: Logger,
    private readonly what: string,
    private readonly everyMs = 60_000,
  ) {}

  failed(reason: string, detail: string, now = Date.now()): void {
    if (!this.since) {
      this.since = this.lastLine = now;
      this.unlogged = 0;
      this.log.warn({ reason, detail }, `${this.what} failed`);
      return;
    }
    this.unlogged++;
    if (now - this.lastLine < this.everyMs) return;
    this.log.warn(
      { reason, detail, failures: this.unlogged, downForMs: now - this.since },
      `${this.what} still failing`,
    );
    this.lastLine = now;
    this.unlogged = 0;
  }

  succeeded(now = Date.now()): void {
    if (!this.since) return;
    this.log.info({ downForMs: now - this.since }, `${this.what} answers again`);
    this.since = 0;
  }
}
