import { Injectable } from '@nestjs/common';

/** What /healthz answers: ready unless draining or a registered dependency check fails. */
@Injectable()
export class Readiness {
  draining = false;
  private readonly checks: Array<{ name: string; check: () => Promise<unknown> }> = [];

  addCheck(name: string, check: () => Promise<unknown>): void {
    this.checks.push({ name, check });
  }

  async status(): Promise<{ ready: boolean; detail: Record<string, string> }> {
    const detail: Record<string, string> = {};
    if (this.draining) detail.drain = 'draining';
    Object.assign(detail, await this.dependencies());
    const ready = !this.draining && Object.values(detail).every((v) => v === 'ok');
    return { ready, detail };
  }

  /** Each dependency check: 'ok', or why it failed. Draining is not a dependency's failure. */
  async dependencies(): Promise<Record<string, string>> {
    const detail: Record<string, string> = {};
    await Promise.all(
      this.checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), 1000);
          detail[name] = 'ok';
        } catch (e) {
          detail[name] = (e as Error).message || 'failed';
        }
      }),
    );
    return detail;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
