import { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import {
  killLaunched,
  NodeProcess,
  REPO_ROOT,
  ROLE_ENTRY,
  spawnNode as spawnChild,
} from '@herald/launcher';
import { freePort } from '@herald/managed-redis';
import { sleep } from './stats';

/** Repository root. */
export const ROOT = REPO_ROOT;
const MEM_PROBE = join(__dirname, 'mem-probe.js');

/** Kills every server process the bench started, so an interrupted run leaves none behind. */
export const killSpawned = killLaunched;

/** Descriptors a process holds open now (/proc/<pid>/fd). */
export function openFiles(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}

/** The soft cap on open descriptors of a process (/proc/<pid>/limits). */
export function fdLimit(pid: number): number {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  return Number(/Max open files\s+(\d+)/.exec(limits)?.[1] ?? -1);
}

export const BENCH_SECRET = 'b'.repeat(64);

export type Role = 'gateway' | 'ingress' | 'worker';

export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** V8 space → [committed, used] bytes. */
  spaces?: Record<string, [number, number]>;
}

/** A measured server process: started from built JS, with the GC/memory probe preloaded. */
export class BenchProcess extends NodeProcess {
  /** A Herald role's metrics listener (METRICS_PORT); 0 for other processes. */
  metricsPort = 0;

  constructor(
    name: string,
    proc: ChildProcess,
    readonly port: number,
  ) {
    // A bench run can print for an hour: keep the last part of it.
    super(name, proc, 1_000_000);
  }

  /** GC then process.memoryUsage(), via the preloaded probe (SIGUSR2). */
  async memory(timeoutMs = 30_000): Promise<MemorySample> {
    const from = this.output().length;
    this.proc.kill('SIGUSR2');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /BENCH_MEM (\{.*\})/.exec(this.output().slice(from));
      if (m) return JSON.parse(m[1]) as MemorySample;
      if (Date.now() > deadline) throw new Error(`${this.name}: no memory probe reply`);
      await sleep(20);
    }
  }
}

export interface SpawnOptions {
  env?: Record<string, string>;
  nodeArgs?: string[];
  /** HTTP path that answers 200 once the process is ready. */
  readyPath?: string;
  timeoutMs?: number;
}

/** Spawns `node --expose-gc -r mem-probe <script>` and waits for its HTTP readiness path. */
export async function spawnNode(
  name: string,
  script: string,
  port: number,
  opts: SpawnOptions = {},
): Promise<BenchProcess> {
  const proc = spawnChild(script, {
    env: { ...(process.env as Record<string, string>), ...opts.env },
    nodeArgs: ['--expose-gc', '-r', MEM_PROBE, ...(opts.nodeArgs ?? [])],
  });
  const bp = new BenchProcess(name, proc, port);
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (proc.exitCode !== null)
      throw new Error(`${name} exited (${proc.exitCode}):\n${bp.output()}`);
    if ((await httpStatus(port, opts.readyPath ?? '/healthz')) === 200) return bp;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${name} not ready in time:\n${bp.output()}`);
    }
    await sleep(100);
  }
}

export function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => req.destroy());
    req.end();
  });
}

export function httpText(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `nodejs_heap_size_used_bytes` from a role's metrics listener (prom-client default metric). */
export async function metricHeapUsed(port: number): Promise<number> {
  const text = await httpText(port, '/metrics');
  const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([0-9.e+]+)/m.exec(text);
  return m ? Number(m[1]) : NaN;
}

export interface ClusterEnv {
  redisUrl: string;
  ingressUrl: string;
}

/** Starts one Herald role as its own process, configured for the bench. */
export async function startRole(
  role: Role,
  cluster: ClusterEnv,
  nodeId: string,
  opts: { port?: number; env?: Record<string, string>; nodeArgs?: string[] } = {},
): Promise<BenchProcess> {
  const port = opts.port ?? (await freePort());
  const metricsPort = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    REDIS_URL: cluster.redisUrl,
    ENDPOINT_SECRET: BENCH_SECRET,
    PUBLIC_URL: cluster.ingressUrl,
    NODE_ID: nodeId,
    BIND_HOST: '127.0.0.1',
    GATEWAY_PORT: String(role === 'gateway' ? port : await freePort()),
    INGRESS_PORT: String(role === 'ingress' ? port : await freePort()),
    WORKER_PORT: String(role === 'worker' ? port : await freePort()),
    METRICS_PORT: String(metricsPort),
    MAX_CONNECTIONS: '100000',
    HELLO_TIMEOUT_MS: '60000',
    ...opts.env,
  };
  const bp = await spawnNode(`${role}:${nodeId}`, ROLE_ENTRY[role], port, {
    env,
    nodeArgs: opts.nodeArgs,
  });
  bp.metricsPort = Number(env.METRICS_PORT);
  return bp;
}
