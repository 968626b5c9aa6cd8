import { cpus } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@herald/managed-redis';
import type { ClientMode, PreparedResult, RunResult, SendLog } from '../load/protocol';
import { BaselineCluster, startHeraldFloor, startSocketIoPeer } from '../support/baseline-clusters';
import { ClientFleet } from '../support/client-fleet';
import { startCluster } from '../support/cluster';
import { forkLoad, LoadProcess, stopAll } from '../support/fleet';
import { cpuSecondsOf, machineJiffies } from '../support/machine';
import { spawnNode } from '../support/processes';
import { LatencySummary, nowUs, sleep, summarise } from '../support/stats';
import { webPushLatencies } from '../support/webpush-latency';

export interface StepFigures {
  offeredPerSec: number;
  sent: number;
  skipped: number;
  non2xx: number;
  deliveredPerSec: number;
  deliveredRatio: number;
  latency: LatencySummary;
  /** PUT request → HTTP response, as the AppServer sees it. */
  putResponse: LatencySummary;
  /** CPU seconds per second of each measured server process during the step. */
  cpu: Record<string, number>;
  sustained: boolean;
  /** Web Push steps: latency is POST → decrypted and checked at the client. */
  webPush?: WebPushStepFigures;
}

export interface WebPushStepFigures {
  /** Messages decrypted and checked (the step's `deliveredPerSec` counts these). */
  decrypted: number;
  /** Messages encrypted by the putters before the step (outside its CPU window). */
  preEncrypted: number;
  /** Mean wall time per message encrypted (web-push `encrypt`), on the putters. */
  encryptUsPerMessage: number;
  /** Messages received but not counted: decrypt failed, wrong plaintext, no data (must be 0). */
  openFailures: Record<string, number>;
  /** Mean decrypt + check CPU per message in the client processes (µs of one core). */
  decryptUsPerMessage: number;
}

export interface PipelineResult {
  label: string;
  clients: number;
  steps: StepFigures[];
  maxSustainedPerSec: number;
  atHalf: StepFigures | null;
  atNinety: StepFigures | null;
}

export interface ThroughputResult {
  forwarder?: PipelineResult;
  /**
   * Herald's own floor: plain node:http ingress (token decode, Herald's NOTIFY script) and 2 `ws`
   * gateways (Herald's frame, Herald's ACK script per ack), one Redis; nothing else.
   */
  heraldFloor?: PipelineResult;
  /** The peer users compare with: Socket.IO 4, Redis adapter, 2 nodes, emitter ingress, no acks. */
  socketio?: PipelineResult;
  herald?: PipelineResult;
  /**
   * The same cluster, Web Push POSTs (TTL 60, aes128gcm for each subscription's own keys) instead
   * of PUTs; a message counts once the client has decrypted it and checked its plaintext.
   */
  heraldWebPush?: PipelineResult;
  /** Herald on a Redis with a replica and REDIS_WAIT_REPLICAS=1: every PUT waits for it. */
  heraldReplicated?: PipelineResult;
}

/** The pipelines of the throughput scenario, in the order they run. */
export const LEGS = ['forwarder', 'floor', 'socketio', 'herald', 'webpush', 'replicated'] as const;
export type Leg = (typeof LEGS)[number];

export interface ThroughputOptions {
  /** Which pipelines to measure (`--legs`); all by default. */
  legs: Leg[];
  clients: number;
  rates: number[];
  stepMs: number;
  latencyStepMs: number;
  putters: number;
}

type Watched = { name: string; pid: number };

/** Delivered ≥ 95 % of offered and p99 under this: the pipeline still follows the rate. */
const P99_LIMIT_MS = 250;

async function step(
  fleet: ClientFleet,
  putters: LoadProcess[],
  rate: number,
  ms: number,
  watched: Watched[],
  kind: 'simplepush' | 'webpush',
): Promise<StepFigures> {
  // Web Push: the step's messages are encrypted before it starts, each with its own sequence
  // number (ECDH per message would otherwise load the putters inside the timed window).
  let prepared: PreparedResult[] = [];
  if (kind === 'webpush') {
    const count = Math.floor((ms * (rate / putters.length)) / 1000);
    prepared = await Promise.all(
      putters.map((p) => p.ask<PreparedResult>({ cmd: 'prepare', count })),
    );
    const bad = prepared.find((r) => r.kind !== 'prepared');
    if (bad) throw new Error(`putter: ${JSON.stringify(bad)}`);
  }
  const since = nowUs();
  await fleet.stats(since); // resets counters; samples only versions sent from now on
  const load = [
    ...watched,
    ...fleet.procs.map((p, i) => ({ name: `clients-${i}`, pid: p.child.pid as number })),
    ...putters.map((p, i) => ({ name: `putter-${i}`, pid: p.child.pid as number })),
  ];
  const cpu0 = load.map((p) => cpuSecondsOf(p.pid));
  const j0 = machineJiffies();
  const t0 = performance.now();
  const runs = await Promise.all(
    putters.map((p) =>
      p.ask<RunResult>({
        cmd: 'run',
        rate: rate / putters.length,
        durationMs: ms,
        maxInFlight: 512,
        kind,
      }),
    ),
  );
  // CPU over the sending period only (cores busy: 1 = one core saturated).
  const wall = (performance.now() - t0) / 1000;
  const j1 = machineJiffies();
  const cpu: Record<string, number> = Object.fromEntries(
    load.map((p, i) => [p.name, Math.round(((cpuSecondsOf(p.pid) - cpu0[i]) / wall) * 100) / 100]),
  );
  await sleep(1000); // let in-flight notifications land
  // Whole machine, in cores busy (2 = both cores saturated).
  cpu.machine =
    Math.round(((j1.busy - j0.busy) / (j1.total - j0.total)) * cpus().length * 100) / 100;
  const s = await fleet.stats(since);
  const sent = runs.reduce((a, r) => a + r.sent, 0);
  const skipped = runs.reduce((a, r) => a + r.skipped, 0);
  let non2xx = 0;
  for (const r of runs)
    for (const [code, n] of Object.entries(r.statuses)) if (!code.startsWith('2')) non2xx += n;
  const offered = Math.round((rate * ms) / 1000);
  const sends = runs.map((r) => r.sends).filter((l): l is SendLog => !!l);
  const samples = kind === 'webpush' ? webPushLatencies(s.arrivals, sends) : s.latenciesUs;
  // A latency below zero means the load processes' clocks disagree: no figure of this step holds.
  if (samples.some((l) => l < 0))
    throw new Error(
      `negative delivery latencies at ${rate}/s: the load processes' clocks disagree`,
    );
  const latency = summarise(samples);
  const ratio = Math.round((s.received / offered) * 1000) / 1000;
  const preEncrypted = prepared.reduce((a, r) => a + r.count, 0);
  const opened = s.received + Object.values(s.openFailures).reduce((a, n) => a + (n ?? 0), 0);
  return {
    offeredPerSec: rate,
    sent,
    skipped,
    non2xx,
    deliveredPerSec: Math.round(s.received / (ms / 1000)),
    deliveredRatio: ratio,
    latency,
    putResponse: summarise(runs.flatMap((r) => r.responseUs)),
    cpu,
    sustained: ratio >= 0.95 && latency.p99Ms < P99_LIMIT_MS,
    ...(kind === 'webpush'
      ? {
          webPush: {
            decrypted: s.received,
            preEncrypted,
            encryptUsPerMessage: preEncrypted
              ? Math.round(prepared.reduce((a, r) => a + r.encryptUs * r.count, 0) / preEncrypted)
              : 0,
            openFailures: s.openFailures as Record<string, number>,
            decryptUsPerMessage: opened ? Math.round(s.openUs / opened) : 0,
          },
        }
      : {}),
  };
}

async function measurePipeline(
  label: string,
  urls: string[],
  watched: Watched[],
  o: ThroughputOptions,
  log: (s: string) => void,
  mode: ClientMode = 'simplepush',
): Promise<PipelineResult> {
  // The putter sends SimplePush PUTs to every pipeline but Web Push (the Socket.IO peer's ingress
  // takes the same PUT); the clients speak each pipeline's own protocol.
  const kind = mode === 'webpush' ? 'webpush' : 'simplepush';
  const fleet = await ClientFleet.connect({
    urls,
    total: o.clients,
    mode,
    channels: 1,
    wantEndpoints: true,
    ack: mode !== 'socketio',
    processes: 2,
  });
  if (fleet.failed > 0 && fleet.connected === 0) {
    await fleet.close();
    throw new Error(`${label}: no client could connect`);
  }
  log(
    `  ${label}: ${fleet.connected} clients connected (${fleet.failed} failed) in ${fleet.ms} ms`,
  );
  const putters = forkLoad('putter', o.putters);
  try {
    const endpoints = fleet.allEndpoints().map((e) => e[2]);
    // Web Push: the application server encrypts for each subscription's keys.
    const subs = kind === 'webpush' ? fleet.subscriptions : undefined;
    if (subs && subs.length !== endpoints.length)
      throw new Error(`${label}: ${subs.length} subscriptions for ${endpoints.length} endpoints`);
    const share = <T>(list: T[], i: number) => list.filter((_, k) => k % putters.length === i);
    await Promise.all(
      putters.map((p, i) =>
        p.ask({
          cmd: 'endpoints',
          urls: subs ? share(subs, i).map((x) => x.endpoint) : share(endpoints, i),
          subscriptions: subs && share(subs, i),
        }),
      ),
    );
    // Warm-up: JIT, keep-alive sockets, Lua script cache.
    await step(fleet, putters, Math.min(500, o.rates[0]), 1000, watched, kind);
    const steps: StepFigures[] = [];
    for (const rate of o.rates) {
      const f = await step(fleet, putters, rate, o.stepMs, watched, kind);
      steps.push(f);
      log(
        `  ${label} ${rate}/s: delivered ${f.deliveredPerSec}/s (${(f.deliveredRatio * 100).toFixed(1)} %), ` +
          `p50 ${f.latency.p50Ms} p99 ${f.latency.p99Ms} p99.9 ${f.latency.p999Ms} ms, ` +
          `PUT p50 ${f.putResponse.p50Ms} p99 ${f.putResponse.p99Ms} ms, ` +
          `skipped ${f.skipped}, non-2xx ${f.non2xx}, cpu ${JSON.stringify(f.cpu)}` +
          (f.webPush ? `, web push ${JSON.stringify(f.webPush)}` : ''),
      );
      if (!f.sustained) break;
      await sleep(500);
    }
    const ok = steps.filter((s) => s.sustained);
    const max = ok.length ? ok[ok.length - 1].offeredPerSec : 0;
    let atHalf: StepFigures | null = null;
    let atNinety: StepFigures | null = null;
    if (max > 0) {
      await sleep(1000);
      atHalf = await step(fleet, putters, Math.round(max * 0.5), o.latencyStepMs, watched, kind);
      log(`  ${label} at 50 % (${atHalf.offeredPerSec}/s): ${JSON.stringify(atHalf.latency)}`);
      await sleep(1000);
      atNinety = await step(fleet, putters, Math.round(max * 0.9), o.latencyStepMs, watched, kind);
      log(`  ${label} at 90 % (${atNinety.offeredPerSec}/s): ${JSON.stringify(atNinety.latency)}`);
    }
    return { label, clients: fleet.connected, steps, maxSustainedPerSec: max, atHalf, atNinety };
  } finally {
    await fleet.close();
    await Promise.all(putters.map((p) => p.ask({ cmd: 'close' }).catch(() => undefined)));
    await stopAll(putters);
  }
}

/** Measures one baseline stack, started for the leg and stopped after it. */
async function measureBaseline(
  label: string,
  start: () => Promise<BaselineCluster>,
  mode: ClientMode,
  o: ThroughputOptions,
  log: (s: string) => void,
): Promise<PipelineResult | undefined> {
  let stack: BaselineCluster | undefined;
  try {
    stack = await start();
    return await measurePipeline(label, stack.urls, stack.watched, o, log, mode);
  } catch (err) {
    // A baseline that fails must not cost the run its Herald figures.
    log(`  ${label} leg failed: ${(err as Error).message}`);
    return undefined;
  } finally {
    await stack?.stop();
  }
}

export async function runThroughput(
  o: ThroughputOptions,
  log: (s: string) => void,
): Promise<ThroughputResult> {
  const on = (leg: Leg) => o.legs.includes(leg);
  const result: ThroughputResult = {};
  if (on('forwarder')) {
    log(`throughput: forwarder floor (one process, no Redis), ${o.clients} clients`);
    const port = await freePort();
    const fwd = await spawnNode(
      'forwarder',
      join(__dirname, '..', 'baselines', 'forwarder.js'),
      port,
      { env: { PORT: String(port) } },
    );
    try {
      result.forwarder = await measurePipeline(
        'forwarder',
        [`ws://127.0.0.1:${port}/`],
        [fwd],
        o,
        log,
      );
    } finally {
      await fwd.stop();
    }
  }

  if (on('floor')) {
    log(
      `throughput: Herald's floor (node:http + 2 ws gateways, Herald's scripts), ${o.clients} clients`,
    );
    result.heraldFloor = await measureBaseline(
      'herald-floor',
      () => startHeraldFloor(2),
      'simplepush',
      o,
      log,
    );
  }

  if (on('socketio')) {
    log(
      `throughput: Socket.IO peer (2 nodes, Redis adapter, emitter ingress), ${o.clients} clients`,
    );
    result.socketio = await measureBaseline(
      'socketio',
      () => startSocketIoPeer(2),
      'socketio',
      o,
      log,
    );
  }

  if (on('herald') || on('webpush')) {
    log(`throughput: Herald (ingress, 2 gateways, worker, Redis), ${o.clients} clients`);
    // The per-sender rate limit (6,000/min by default) would cap one load generator's POSTs.
    const cluster = await startCluster({
      gateways: 2,
      worker: true,
      env: { PUSH_RATE_LIMIT: '0' },
    });
    const watched = [
      cluster.ingress,
      ...cluster.gateways,
      { name: 'redis', pid: cluster.redis.pid as number },
    ];
    try {
      if (on('herald'))
        result.herald = await measurePipeline('herald', cluster.gatewayUrls, watched, o, log);
      if (on('webpush')) {
        log(`throughput: Herald Web Push (POST /wpush/v1), ${o.clients} clients`);
        try {
          result.heraldWebPush = await measurePipeline(
            'herald-webpush',
            cluster.gatewayUrls,
            watched,
            o,
            log,
            'webpush',
          );
        } catch (err) {
          log(`  Web Push leg failed: ${(err as Error).message}`);
        }
      }
    } finally {
      await cluster.stop();
    }
  }

  if (on('replicated')) {
    log(`throughput: Herald with a Redis replica and REDIS_WAIT_REPLICAS=1, ${o.clients} clients`);
    const replicated = await startCluster({
      gateways: 2,
      worker: true,
      replica: true,
      env: { PUSH_RATE_LIMIT: '0', REDIS_WAIT_REPLICAS: '1' },
    });
    try {
      result.heraldReplicated = await measurePipeline(
        'herald-wait1',
        replicated.gatewayUrls,
        [
          replicated.ingress,
          ...replicated.gateways,
          { name: 'redis', pid: replicated.redis.pid as number },
          { name: 'replica', pid: replicated.replica?.pid as number },
        ],
        o,
        log,
      );
    } finally {
      await replicated.stop();
    }
  }
  return result;
}
