import { ChildProcess } from 'node:child_process';
import { freePort } from '@herald/managed-redis';
import { HeraldRole, NodeProcess, ROLE_ENTRY, ROLE_READY_LINE } from '@herald/launcher';

/**
 * Herald roles as separate OS processes started from the built output, as an operator runs them.
 * Readiness is awaited on the role's own log line, then on /healthz: no sleeps.
 */
export type Role = HeraldRole;

/** A test secret: every process of one cluster must share it. */
export const TEST_SECRET = 'a'.repeat(64);

export interface HeraldProcess {
  role: Role;
  proc: ChildProcess;
  /** The HTTP/WS port of the role (for 'all': the gateway's). */
  port: number;
  /** The roles' ports, and the process's metrics listener (METRICS_PORT). */
  ports: { gateway: number; ingress: number; worker: number; metrics: number };
  nodeId: string;
  /** Everything the process printed, for assertions and for failure messages. */
  output(): string;
  /** Resolves when the process printed a line containing `text` (now or later). */
  waitForLog(text: string, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  redisUrl?: string;
  env?: Record<string, string>;
  nodeId?: string;
  timeoutMs?: number;
}

let counter = 0;

export async function startHerald(role: Role, opts: StartOptions = {}): Promise<HeraldProcess> {
  const ports = {
    gateway: await freePort(),
    ingress: await freePort(),
    worker: await freePort(),
    metrics: await freePort(),
  };
  // (see below: env may pin them)
  const nodeId = opts.nodeId ?? `test-${role}-${process.pid}-${++counter}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    ENDPOINT_SECRET: TEST_SECRET,
    GATEWAY_PORT: String(ports.gateway),
    INGRESS_PORT: String(ports.ingress),
    WORKER_PORT: String(ports.worker),
    METRICS_PORT: String(ports.metrics),
    NODE_ID: nodeId,
    BIND_HOST: '127.0.0.1',
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
    ...opts.env,
  };
  if (!opts.redisUrl && !opts.env?.REDIS_URL) delete env.REDIS_URL;
  // Ports given in env (to restart a role where it was) win over the free ones picked above.
  ports.gateway = Number(env.GATEWAY_PORT);
  ports.ingress = Number(env.INGRESS_PORT);
  ports.worker = Number(env.WORKER_PORT);
  ports.metrics = Number(env.METRICS_PORT);
  const child = NodeProcess.launch(role, ROLE_ENTRY[role], { env });
  const port =
    role === 'ingress' ? ports.ingress : role === 'worker' ? ports.worker : ports.gateway;
  const handle: HeraldProcess = {
    role,
    proc: child.proc,
    port,
    ports,
    nodeId,
    output: () => child.output(),
    waitForLog: (text, timeoutMs) => child.waitForLog(text, timeoutMs),
    exited: child.exited,
    kill: (signal) => child.kill(signal),
  };
  await child.waitForLog(ROLE_READY_LINE[role], opts.timeoutMs ?? 30_000);
  return handle;
}

/** Stops every process given (SIGTERM), waiting for their exit. */
export async function stopAll(procs: Array<HeraldProcess | undefined>): Promise<void> {
  await Promise.all(procs.filter(Boolean).map((p) => (p as HeraldProcess).kill('SIGTERM')));
}

/**
 * The base of the seed protocol's `/client/*` URLs for a process holding a gateway (a gateway or
 * 'all'): client connections, WebSocket or stream, are the gateway's.
 */
export function clientBaseUrl(p: HeraldProcess): string {
  return `http://127.0.0.1:${p.ports.gateway}`;
}

/** Herald as one process ('all') or as a split cluster (ingress + gateway + worker processes). */
export interface Topology {
  kind: 'all' | 'split';
  gatewayUrl: string;
  /** Where the seed protocol's `/client/*` streams are served: the gateway's HTTP port. */
  clientBaseUrl: string;
  ingressPort: number;
  /** The base every pushEndpoint starts with. */
  publicUrl: string;
  /** Where the process holding the gateway serves /metrics (METRICS_PORT). */
  gatewayMetricsPort: number;
  processes: HeraldProcess[];
  stop(): Promise<void>;
}

export async function startTopology(
  kind: 'all' | 'split',
  redisUrl: string,
  env: Record<string, string> = {},
): Promise<Topology> {
  if (kind === 'all') {
    const all = await startHerald('all', { redisUrl, env });
    return {
      kind,
      gatewayUrl: `ws://127.0.0.1:${all.ports.gateway}/`,
      clientBaseUrl: clientBaseUrl(all),
      ingressPort: all.ports.ingress,
      publicUrl: `http://localhost:${all.ports.ingress}`,
      gatewayMetricsPort: all.ports.metrics,
      processes: [all],
      stop: () => stopAll([all]),
    };
  }
  const ingress = await startHerald('ingress', { redisUrl, env });
  const publicUrl = `http://127.0.0.1:${ingress.port}`;
  const [gateway, worker] = await Promise.all([
    startHerald('gateway', { redisUrl, env: { ...env, PUBLIC_URL: publicUrl } }),
    startHerald('worker', { redisUrl, env }),
  ]);
  return {
    kind,
    gatewayUrl: `ws://127.0.0.1:${gateway.port}/`,
    clientBaseUrl: clientBaseUrl(gateway),
    ingressPort: ingress.port,
    publicUrl,
    gatewayMetricsPort: gateway.ports.metrics,
    processes: [ingress, gateway, worker],
    stop: () => stopAll([gateway, ingress, worker]),
  };
}
