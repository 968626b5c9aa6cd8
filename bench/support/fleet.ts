import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { ChildReply, ParentCommand } from '../load/protocol';

const LOAD_DIR = join(__dirname, '..', 'load');

/** One forked load-generator process, driven request/response over IPC. */
export class LoadProcess {
  private waiting: Array<(m: ChildReply) => void> = [];
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: ChildReply) => this.waiting.shift()?.(m));
    this.exited = new Promise((r) => child.once('exit', () => r()));
    void this.exited.then(() => {
      for (const w of this.waiting.splice(0)) w({ kind: 'error', message: 'load process exited' });
    });
  }

  ask<T extends ChildReply>(cmd: ParentCommand): Promise<T> {
    return new Promise((resolve) => {
      this.waiting.push(resolve as (m: ChildReply) => void);
      this.child.send(cmd);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

/** Forks `dist/bench/load/<script>.js` n times; child i gets its index (source address range). */
export function forkLoad(script: string, n: number, firstIndex = 0, heapMb = 2048): LoadProcess[] {
  return Array.from(
    { length: n },
    (_, i) =>
      new LoadProcess(
        fork(join(LOAD_DIR, `${script}.js`), [String(firstIndex + i)], {
          execArgv: [`--max-old-space-size=${heapMb}`, ...loadProfileArgs()],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }),
      ),
  );
}

export async function stopAll(procs: Array<{ stop(): Promise<void> } | undefined>): Promise<void> {
  await Promise.all(procs.map((p) => p?.stop().catch(() => undefined)));
}

/** BENCH_CPU_PROF_LOAD=dir: CPU profiles of the load processes too (written when they exit). */
function loadProfileArgs(): string[] {
  const dir = process.env.BENCH_CPU_PROF_LOAD;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}
