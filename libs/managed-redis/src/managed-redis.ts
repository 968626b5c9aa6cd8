import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureRedisServer } from './redis-binary';

/** Ports this process handed out: the kernel may offer a released one again at once. */
const handedOut = new Set<number>();

/**
 * A free TCP port on loopback (asked of the kernel, then released), never one this process
 * handed out before: a role given the port another one was just given would fail to listen.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await kernelPort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface ManagedRedisOptions {
  port?: number;
  /** Data directory; a fresh temporary one (removed on stop) when not given. */
  dir?: string;
  /** Append-only file with fsync every second (survives a restart). */
  appendonly?: boolean;
  extraArgs?: string[];
}

/**
 * A private redis-server child process: for `npm start` when REDIS_URL is unset, and for the
 * test harness (each suite its own, on a free port). Stopped with the parent.
 */
export class ManagedRedis {
  private child: ChildProcess | null = null;
  private readonly ownsDir: boolean;
  readonly dir: string;

  private constructor(
    private readonly binary: string,
    readonly port: number,
    private readonly opts: ManagedRedisOptions,
  ) {
    this.ownsDir = !opts.dir;
    this.dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'herald-redis-'));
    mkdirSync(this.dir, { recursive: true });
  }

  static async start(opts: ManagedRedisOptions = {}): Promise<ManagedRedis> {
    const redis = new ManagedRedis(ensureRedisServer(), opts.port ?? (await freePort()), opts);
    await redis.launch();
    process.once('exit', () => redis.child?.kill('SIGKILL'));
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the server (again, after kill) and resolves once it accepts connections. */
  launch(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      this.opts.appendonly ? 'yes' : 'no',
      '--appendfsync',
      'everysec',
      '--protected-mode',
      'no',
      ...(this.opts.extraArgs ?? []),
    ];
    const child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => fail(new Error(`redis-server did not start within 10 s:\n${out}`)),
        10_000,
      );
      const fail = (err: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(err);
      };
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          child.stdout?.resume();
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
      child.once('exit', (code) => fail(new Error(`redis-server exited with ${code}:\n${out}`)));
    });
  }

  /** Kills the server abruptly (SIGKILL by default), for fault tests; `launch()` brings it back. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
