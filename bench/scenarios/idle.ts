import { join } from 'node:path';
import { freePort } from '@herald/managed-redis';
import { ClientFleet } from '../support/client-fleet';
import { startCluster } from '../support/cluster';
import { rssOf } from '../support/machine';
import { BenchProcess, metricHeapUsed, spawnNode } from '../support/processes';
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

export interface IdleResult {
  n: number;
  herald: IdleServerFigures;
  rawWs: IdleServerFigures;
  ratio: number;
  machineWide?: {
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
      log(`  ${fleet.connected} connected, ${fleet.failed} failed in ${fleet.ms} ms`);
      try {
        await Promise.all(big.gateways.map((g) => g.memory()));
        const after = await Promise.all(big.gateways.map((g) => settledRss(g.pid)));
        const totalRss = after.reduce((s, m) => s + m, 0);
        const delta = totalRss - before.reduce((s, m) => s + m, 0);
        result.machineWide = {
          gateways: machineWide.gateways,
          clients: fleet.connected,
          failed: fleet.failed,
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
