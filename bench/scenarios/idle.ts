import { join } from 'node:path';
import { freePort } from '@herald/managed-redis';
import { ClientFleet } from '../support/client-fleet';
import { startCluster } from '../support/cluster';
import { rssOf } from '../support/machine';
import { BenchProcess, MemorySample, metricHeapUsed, spawnNode } from '../support/processes';
import { sleep } from '../support/stats';

export interface IdleServerFigures {
  clients: number;
  failed: number;
  connectSeconds: number;
  rssBefore: number;
  rssAfter: number;
  rssPerConnBytes: number;
  /** The same from RSS read right after the GC, before freed pages go back (kept for comparison). */
  rssPerConnAtGcBytes: number;
  heapPerConnBytes: number;
  /** nodejs_heap_size_used_bytes from /metrics, after GC, per connection (Herald only). */
  metricsHeapPerConnBytes?: number;
}

/**
 * Memory per idle connection as a pod sees it (issue 14): no forced GC anywhere in the process's
 * life, RSS read once it has settled, taken as the slope between two connection counts on one
 * process so fixed costs (code, startup heap, first pages) drop out.
 */
export interface NoGcFigures {
  clientsLow: number;
  clientsHigh: number;
  failed: number;
  rssLow: number;
  rssHigh: number;
  /** (rssHigh − rssLow) / (clientsHigh − clientsLow). */
  rssPerConnBytes: number;
  /** Where it goes, from process.memoryUsage() at the same two points (no GC either). */
  heapTotalPerConnBytes: number;
  heapUsedPerConnBytes: number;
  externalPerConnBytes: number;
  /** How long RSS took to settle at each point (s). */
  settleSeconds: [number, number];
}

export interface IdleResult {
  n: number;
  /** After a forced GC through the preloaded probe, 0 → n connections (fixed costs included). */
  herald: IdleServerFigures;
  rawWs: IdleServerFigures;
  ratio: number;
  /** Without any forced GC: the operator's figure, Herald and raw ws in the same run. */
  noGc?: {
    low: number;
    high: number;
    herald: NoGcFigures;
    rawWs: NoGcFigures;
    ratio: number | null;
  };
  machineWide?: {
    /** Why the failed clients failed (timeout, ECONNRESET, hello 503, ...). */
    failures?: Record<string, number>;
    gateways: number;
    clients: number;
    failed: number;
    connectSeconds: number;
    totalRssBytes: number;
    rssPerConnBytes: number;
  };
}

/**
 * RSS once it has settled after the probe's GC: V8 and the allocator return freed pages a moment
 * later (background unmapping), so a reading taken at once can hold tens of MB that are already
 * free; on a loaded machine the lag grows. Poll until two readings 250 ms apart agree within 0.5 %.
 */
async function settledRss(pid: number): Promise<number> {
  let last = rssOf(pid);
  for (let i = 0; i < 16; i++) {
    await sleep(250);
    const now = rssOf(pid);
    if (Math.abs(now - last) <= last * 0.005) return now;
    last = now;
  }
  return last;
}

/**
 * RSS once it has settled without any forced GC: V8 collects and releases on its own schedule
 * after a connect burst, and the server may still be finishing work of the last handshakes. Wait
 * 5 s, then read once a second until three readings in a row agree within 0.5 % (at most 40 s;
 * the last reading then).
 */
async function settledRssNoGc(pid: number): Promise<{ rss: number; seconds: number }> {
  const t0 = Date.now();
  await sleep(5000);
  const seen = [rssOf(pid)];
  for (let i = 0; i < 35; i++) {
    await sleep(1000);
    seen.push(rssOf(pid));
    const last3 = seen.slice(-3);
    if (last3.length === 3 && Math.max(...last3) - Math.min(...last3) <= last3[2] * 0.005) break;
  }
  return { rss: seen[seen.length - 1], seconds: (Date.now() - t0) / 1000 };
}

/**
 * The pod's view: `low` clients, settle, read; `high − low` more (their own load processes and
 * source addresses), settle, read; the slope between. `server` must run with BENCH_MEM_NO_GC=1 so
 * that reading its heap does not collect.
 */
async function measureNoGc(
  server: BenchProcess,
  url: string,
  low: number,
  high: number,
  mode: 'simplepush' | 'raw',
  log: (s: string) => void,
): Promise<NoGcFigures> {
  const fleet = (total: number, firstIndex: number) =>
    ClientFleet.connect({
      urls: [url],
      total,
      mode,
      channels: mode === 'raw' ? 0 : 2,
      wantEndpoints: false,
      ack: true,
      processes: Math.max(1, Math.ceil(total / 10_000)),
      firstIndex,
    });
  const first = await fleet(low, 0);
  let second: ClientFleet | null = null;
  try {
    const a = await settledRssNoGc(server.pid);
    const memA = await server.memory();
    log(
      `  ${server.name} (no GC): ${first.connected} connected, RSS ${(a.rss / 2 ** 20).toFixed(1)} MiB settled in ${a.seconds.toFixed(0)} s`,
    );
    second = await fleet(high - low, first.procs.length);
    const b = await settledRssNoGc(server.pid);
    const memB = await server.memory();
    const clientsHigh = first.connected + second.connected;
    log(`  ${server.name} (no GC) V8 spaces, committed/used MiB: ${spaceDelta(memA, memB)}`);
    log(
      `  ${server.name} (no GC): ${clientsHigh} connected, RSS ${(b.rss / 2 ** 20).toFixed(1)} MiB settled in ${b.seconds.toFixed(0)} s`,
    );
    const d = second.connected || 1;
    return {
      clientsLow: first.connected,
      clientsHigh,
      failed: first.failed + second.failed,
      rssLow: a.rss,
      rssHigh: b.rss,
      rssPerConnBytes: Math.round((b.rss - a.rss) / d),
      heapTotalPerConnBytes: Math.round((memB.heapTotal - memA.heapTotal) / d),
      heapUsedPerConnBytes: Math.round((memB.heapUsed - memA.heapUsed) / d),
      externalPerConnBytes: Math.round((memB.external - memA.external) / d),
      settleSeconds: [a.seconds, b.seconds],
    };
  } finally {
    await Promise.all([first.close(), second?.close()]);
  }
}

async function measure(
  server: BenchProcess,
  url: string,
  n: number,
  mode: 'simplepush' | 'raw',
  heapFromMetrics: boolean,
  log: (s: string) => void,
): Promise<IdleServerFigures> {
  const before = await server.memory();
  const rssBefore = await settledRss(server.pid);
  const metricsBefore = heapFromMetrics ? await metricHeapUsed(server.metricsPort) : NaN;
  const fleet = await ClientFleet.connect({
    urls: [url],
    total: n,
    mode,
    channels: mode === 'raw' ? 0 : 2,
    wantEndpoints: false,
    ack: true,
    processes: Math.max(2, Math.ceil(n / 10_000)),
  });
  log(`  ${server.name}: ${fleet.connected} connected, ${fleet.failed} failed in ${fleet.ms} ms`);
  try {
    const after = await server.memory();
    const rssAfter = await settledRss(server.pid);
    const metricsAfter = heapFromMetrics ? await metricHeapUsed(server.metricsPort) : NaN;
    const c = fleet.connected || 1;
    return {
      clients: fleet.connected,
      failed: fleet.failed,
      connectSeconds: fleet.ms / 1000,
      rssBefore,
      rssAfter,
      rssPerConnBytes: Math.round((rssAfter - rssBefore) / c),
      rssPerConnAtGcBytes: Math.round((after.rss - before.rss) / c),
      heapPerConnBytes: Math.round((after.heapUsed - before.heapUsed) / c),
      ...(heapFromMetrics
        ? { metricsHeapPerConnBytes: Math.round((metricsAfter - metricsBefore) / c) }
        : {}),
    };
  } finally {
    await fleet.close();
  }
}

export async function runIdle(
  n: number,
  machineWide: { gateways: number; perGateway: number } | null,
  log: (s: string) => void,
  noGc: { low: number; high: number } | null = null,
): Promise<IdleResult> {
  log(`idle: raw ws server with ${n} sockets`);
  const rawPort = await freePort();
  const raw = await spawnNode(
    'raw-ws',
    join(__dirname, '..', 'baselines', 'raw-ws-server.js'),
    rawPort,
    {
      env: { PORT: String(rawPort) },
    },
  );
  let rawWs: IdleServerFigures;
  try {
    rawWs = await measure(raw, `ws://127.0.0.1:${rawPort}/`, n, 'raw', false, log);
  } finally {
    await raw.stop();
  }

  log(`idle: Herald gateway with ${n} SimplePush clients (hello + 2 channels)`);
  const cluster = await startCluster({ gateways: 1, worker: false });
  let herald: IdleServerFigures;
  try {
    herald = await measure(cluster.gateways[0], cluster.gatewayUrls[0], n, 'simplepush', true, log);
  } finally {
    await cluster.stop();
  }

  const result: IdleResult = {
    n,
    herald,
    rawWs,
    ratio: Math.round((herald.rssPerConnBytes / rawWs.rssPerConnBytes) * 100) / 100,
  };

  if (noGc) result.noGc = await runNoGc(noGc.low, noGc.high, log);

  if (machineWide) {
    const total = machineWide.gateways * machineWide.perGateway;
    log(`idle: machine-wide, ${machineWide.gateways} gateways × ${machineWide.perGateway} clients`);
    const big = await startCluster({ gateways: machineWide.gateways, worker: false });
    try {
      await Promise.all(big.gateways.map((g) => g.memory()));
      const before = await Promise.all(big.gateways.map((g) => settledRss(g.pid)));
      const fleet = await ClientFleet.connect({
        urls: big.gatewayUrls,
        total,
        mode: 'simplepush',
        channels: 2,
        wantEndpoints: false,
        ack: true,
        concurrency: 100,
      });
      log(
        `  ${fleet.connected} connected, ${fleet.failed} failed ${JSON.stringify(fleet.failures)} in ${fleet.ms} ms`,
      );
      try {
        await Promise.all(big.gateways.map((g) => g.memory()));
        const after = await Promise.all(big.gateways.map((g) => settledRss(g.pid)));
        const totalRss = after.reduce((s, m) => s + m, 0);
        const delta = totalRss - before.reduce((s, m) => s + m, 0);
        result.machineWide = {
          gateways: machineWide.gateways,
          clients: fleet.connected,
          failed: fleet.failed,
          failures: fleet.failures,
          connectSeconds: fleet.ms / 1000,
          totalRssBytes: totalRss,
          rssPerConnBytes: Math.round(delta / (fleet.connected || 1)),
        };
      } finally {
        await fleet.close();
      }
    } finally {
      await big.stop();
    }
  }
  return result;
}

/** Raw ws and a Herald gateway, each a fresh process that never sees a forced GC. */
export async function runNoGc(
  low: number,
  high: number,
  log: (s: string) => void,
): Promise<NonNullable<IdleResult['noGc']>> {
  const env = { BENCH_MEM_NO_GC: '1' };
  log(`idle, no forced GC: raw ws server, ${low} then ${high} sockets`);
  const rawPort = await freePort();
  const raw = await spawnNode(
    'raw-ws',
    join(__dirname, '..', 'baselines', 'raw-ws-server.js'),
    rawPort,
    { env: { ...env, PORT: String(rawPort) } },
  );
  let rawWs: NoGcFigures;
  try {
    rawWs = await measureNoGc(raw, `ws://127.0.0.1:${rawPort}/`, low, high, 'raw', log);
  } finally {
    await raw.stop();
  }
  log(
    `idle, no forced GC: Herald gateway, ${low} then ${high} SimplePush clients (hello + 2 channels)`,
  );
  const cluster = await startCluster({ gateways: 1, worker: false, env });
  let herald: NoGcFigures;
  try {
    herald = await measureNoGc(
      cluster.gateways[0],
      cluster.gatewayUrls[0],
      low,
      high,
      'simplepush',
      log,
    );
  } finally {
    await cluster.stop();
  }
  return {
    low,
    high,
    herald,
    rawWs,
    // A slope ≤ 0 means a collection ran between the readings (small counts): no ratio then.
    ratio:
      rawWs.rssPerConnBytes > 0
        ? Math.round((herald.rssPerConnBytes / rawWs.rssPerConnBytes) * 100) / 100
        : null,
  };
}

function spaceDelta(a: MemorySample, b: MemorySample): string {
  const mib = (n: number) => (n / 2 ** 20).toFixed(1);
  return Object.keys(b.spaces ?? {})
    .map((k) => {
      const [ca, ua] = a.spaces?.[k] ?? [0, 0];
      const [cb, ub] = b.spaces?.[k] ?? [0, 0];
      return `${k} ${mib(ca)}/${mib(ua)} → ${mib(cb)}/${mib(ub)}`;
    })
    .join('; ');
}
