import { ChildProcess, spawn } from 'node:child_process';
import { REPO_ROOT } from './repo-root';

export interface LaunchOptions {
  /** The child's whole environment (callers merge process.env in when they want it). */
  env: Record<string, string>;
  /** Node flags before the script (--expose-gc, -r <preload>...). */
  nodeArgs?: string[];
  /**
   * Keep at most this many characters of output (the last ones): for long, chatty runs. Unset:
   * keep everything, so waitForLog sees every line ever printed.
   */
  maxOutput?: number;
}

/** Every process launched and not yet exited, so an interrupted run can leave none behind. */
const running = new Set<ChildProcess>();

/** SIGKILLs every launched process still running (an interrupted bench, a failed suite). */
export function killLaunched(): void {
  for (const c of running) if (c.exitCode === null) c.kill('SIGKILL');
}

/** `node [nodeArgs] <script>` from the repository root, its output piped; killLaunched reaches it. */
export function spawnNode(script: string, opts: LaunchOptions): ChildProcess {
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), script], {
    cwd: REPO_ROOT,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  return proc;
}

/**
 * A Node.js child process started from the repository root, its stdout and stderr collected for
 * readiness (waitForLog) and for failure messages. Tests and the bench both launch through it.
 */
export class NodeProcess {
  readonly exited: Promise<number | null>;
  private out = '';
  private readonly watchers: Array<{ text: string; resolve: () => void }> = [];

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
    maxOutput = Infinity,
  ) {
    const onData = (chunk: Buffer) => {
      this.out += chunk.toString();
      for (const w of [...this.watchers]) {
        if (this.out.includes(w.text)) {
          this.watchers.splice(this.watchers.indexOf(w), 1);
          w.resolve();
        }
      }
      // Trimmed after the watchers looked, so a line is never dropped before they saw it.
      if (this.out.length > maxOutput) this.out = this.out.slice(-Math.floor(maxOutput / 5));
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  }

  /** Spawns `node [nodeArgs] <script>` with the repository root as working directory. */
  static launch(name: string, script: string, opts: LaunchOptions): NodeProcess {
    return new NodeProcess(name, spawnNode(script, opts), opts.maxOutput);
  }

  get pid(): number {
    return this.proc.pid as number;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Everything the process printed (the tail of it, with maxOutput). */
  output(): string {
    return this.out;
  }

  /** Resolves when the process printed a line containing `text` (now or later). */
  waitForLog(text: string, timeoutMs = 20_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.out.includes(text)) return resolve();
      const timer = setTimeout(
        () =>
          reject(new Error(`no "${text}" from ${this.name} within ${timeoutMs} ms:\n${this.out}`)),
        timeoutMs,
      );
      const w = {
        text,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.watchers.push(w);
      void this.exited.then((code) => {
        if (this.watchers.includes(w)) {
          this.watchers.splice(this.watchers.indexOf(w), 1);
          clearTimeout(timer);
          reject(new Error(`${this.name} exited (${code}) before "${text}":\n${this.out}`));
        }
      });
    });
  }

  /** Sends `signal` (unless the process is gone already) and waits for the exit. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running) this.proc.kill(signal);
    return this.exited;
  }

  /** kill(signal), then SIGKILL if the process has not exited within timeoutMs. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.proc.kill(signal);
    const t = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(t);
  }
}
