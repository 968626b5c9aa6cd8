import { ChildProcess, spawn } from 'node:child_process';

/**
 * `curl -N <url>` as the seed's README uses it: a long-lived GET whose output is watched. Waits
 * are on the bytes curl prints (or its exit), never on time.
 */
export class CurlStream {
  private out = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(url: string, extraArgs: string[] = []) {
    this.proc = spawn('curl', ['-sS', '-N', ...extraArgs, url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout?.on('data', (chunk: Buffer) => {
      this.out = Buffer.concat([this.out, chunk]);
      this.wake();
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
    void this.exited.then(() => this.wake());
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Everything curl printed so far (latin1: one character per byte). */
  text(): string {
    return this.out.toString('latin1');
  }

  /** Resolves with `check`'s value once it holds on the output; rejects on exit or timeout. */
  async until<T>(what: string, check: (text: string) => T | null, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = check(this.text());
      if (v !== null) return v;
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`curl exited (${this.proc.exitCode}) before ${what}: ${this.text()}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms: ${this.text()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  waitFor(text: string, timeoutMs?: number): Promise<true> {
    return this.until(JSON.stringify(text), (t) => (t.includes(text) ? true : null), timeoutMs);
  }

  /** The first `count` lines ending in `\r\n` (the multi stream's events). */
  lines(count: number, timeoutMs?: number): Promise<string[]> {
    return this.until(
      `${count} lines`,
      (t) => {
        const lines = t.split('\r\n').slice(0, -1);
        return lines.length >= count ? lines.slice(0, count) : null;
      },
      timeoutMs,
    );
  }

  stop(): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    return this.exited;
  }
}
