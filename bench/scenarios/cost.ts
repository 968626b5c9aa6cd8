import Redis from 'ioredis';
import type { PutAllResult } from '../load/protocol';
import { ClientFleet } from '../support/client-fleet';
import { startCluster } from '../support/cluster';
import { forkLoad, stopAll } from '../support/fleet';
import { RespCounter } from '../support/resp-counter';
import { sleep } from '../support/stats';

export interface CostResult {
  puts: number;
  putStatuses: Record<string, number>;
  /** Top-level commands the ingress sent per PUT, by name (counted by a RESP proxy). */
  roundTripsPerPut: number;
  roundTripsByCommand: Record<string, number>;
  /** INFO commandstats delta per PUT: every command Redis ran, Lua-internal ones included. */
  redisCallsPerPut: number;
  commandstatsPerPut: Record<string, number>;
  uaids: number;
  bytesPerUaid: number;
  /** Registered channel (owner key + hash entry), before any version. */
  bytesPerChannelRegistered: number;
  /** Channel record with a stored version and an acked version. */
  bytesPerChannelRecord: number;
}

async function usedMemory(redis: Redis): Promise<number> {
  await sleep(300);
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

async function commandstats(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const out = new Map<string, number>();
  for (const m of info.matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) out.set(m[1], Number(m[2]));
  return out;
}

/**
 * Redis cost of the ingress path and of the stored state. Clients do not ack during the counted
 * window, so what Redis runs then is the ingress's work (plus heartbeats, subtracted through an
 * idle window of the same length).
 */
export async function runCost(uaids: number, log: (s: string) => void): Promise<CostResult> {
  let counter: RespCounter | null = null;
  const cluster = await startCluster({
    gateways: 1,
    worker: false,
    ingressRedisUrl: async (r) => {
      counter = new RespCounter('127.0.0.1', r.port);
      await counter.start();
      return counter.url;
    },
  });
  const redis = new Redis(cluster.redis.url);
  const putters = forkLoad('putter', 1);
  const fleets: ClientFleet[] = [];
  try {
    const m0 = await usedMemory(redis);
    fleets.push(
      await ClientFleet.connect({
        urls: cluster.gatewayUrls,
        total: uaids,
        mode: 'simplepush',
        channels: 0,
        wantEndpoints: false,
        ack: false,
        processes: 1,
        firstIndex: 0,
      }),
    );
    const m1 = await usedMemory(redis);
    const withChannels = await ClientFleet.connect({
      urls: cluster.gatewayUrls,
      total: uaids,
      mode: 'simplepush',
      channels: 2,
      wantEndpoints: true,
      ack: false,
      processes: 1,
      firstIndex: 1,
    });
    fleets.push(withChannels);
    const m2 = await usedMemory(redis);
    const bytesPerUaid = (m1 - m0) / uaids;
    const channels = withChannels.allEndpoints();
    const bytesPerChannelRegistered = ((m2 - m1) / uaids - bytesPerUaid) / 2;
    log(
      `cost: ${uaids} UAIDs: ${Math.round(bytesPerUaid)} B each; channel registered ${Math.round(bytesPerChannelRegistered)} B`,
    );

    await putters[0].ask({ cmd: 'endpoints', urls: channels.map((e) => e[2]) });
    // Idle window: background commands (heartbeats) over as long as the PUTs take.
    const idle0 = await commandstats(redis);
    const tIdle = Date.now();
    await sleep(2000);
    const idle1 = await commandstats(redis);
    const idleMs = Date.now() - tIdle;

    (counter as unknown as RespCounter).reset();
    const s0 = await commandstats(redis);
    const t0 = Date.now();
    const put = await putters[0].ask<PutAllResult>({ cmd: 'put-all', concurrency: 32 });
    const s1 = await commandstats(redis);
    const putMs = Date.now() - t0;
    const proxied = (counter as unknown as RespCounter).snapshot();
    const n = channels.length;
    const perPut = (x: number) => Math.round((x / n) * 100) / 100;
    const commandstatsPerPut: Record<string, number> = {};
    let calls = 0;
    for (const [cmd, after] of s1) {
      const bg = ((idle1.get(cmd) ?? 0) - (idle0.get(cmd) ?? 0)) * (putMs / idleMs);
      const d = after - (s0.get(cmd) ?? 0) - bg;
      if (d > n * 0.01 && cmd !== 'info') {
        commandstatsPerPut[cmd] = perPut(d);
        calls += d;
      }
    }
    const roundTripsByCommand: Record<string, number> = {};
    let trips = 0;
    for (const [cmd, c] of Object.entries(proxied)) {
      roundTripsByCommand[cmd] = perPut(c);
      trips += c;
    }
    const m3 = await usedMemory(redis);
    // Now ack: one more version each, acked, to size the full record (version + acked version).
    await Promise.all(withChannels.procs.map((p) => p.ask({ cmd: 'set-ack', ack: true })));
    await putters[0].ask<PutAllResult>({ cmd: 'put-all', concurrency: 32 });
    await sleep(1500);
    const m4 = await usedMemory(redis);
    const bytesPerChannelRecord = bytesPerChannelRegistered + (m4 - m2) / n;
    log(
      `cost: versions stored +${Math.round((m3 - m2) / n)} B/channel; with ack +${Math.round((m4 - m2) / n)} B/channel`,
    );
    return {
      puts: n,
      putStatuses: put.statuses,
      roundTripsPerPut: perPut(trips),
      roundTripsByCommand,
      redisCallsPerPut: perPut(calls),
      commandstatsPerPut,
      uaids,
      bytesPerUaid: Math.round(bytesPerUaid),
      bytesPerChannelRegistered: Math.round(bytesPerChannelRegistered),
      bytesPerChannelRecord: Math.round(bytesPerChannelRecord),
    };
  } finally {
    for (const f of fleets) await f.close();
    await putters[0].ask({ cmd: 'close' }).catch(() => undefined);
    await stopAll(putters);
    redis.disconnect();
    await cluster.stop();
    await (counter as RespCounter | null)?.stop();
  }
}
