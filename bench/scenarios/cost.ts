import Redis from 'ioredis';
import type { AddChannelsResult, PutAllResult } from '../load/protocol';
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
  /** A connected UAID with no channel (`u:{uaid}` hash). */
  bytesPerUaid: number;
  /**
   * The first channels of each UAID, registered, no version: the owner-bucket entry and the
   * `u:{uaid}:ch` entry, plus the `:ch` key itself and the creation of the owner buckets.
   */
  bytesPerChannelRegistered: number;
  /**
   * Marginal cost of one channel record (registered, a version stored and acknowledged): memory
   * delta per channel added to UAIDs that already have channels, the UAID count fixed. The
   * ≤ 150 B target is judged on this figure.
   */
  bytesPerChannelMarginal: number;
  /** Of which: registered only (owner-bucket entry + `:ch` entry with an empty value). */
  bytesPerChannelMarginalRegistered: number;
  /** Everything a UAID with channelsPerUaid channels costs, divided by its channels. */
  bytesPerChannelAverage: number;
  channelsPerUaid: number;
  /** Kept for older reports: the previous definition, the first channels' average. */
  bytesPerChannelRecord: number;
  /** MEMORY USAGE of the keys themselves (one sample user; owner buckets averaged). */
  keys: {
    user: number;
    channels: number;
    ownerBuckets: number;
    ownerBucketAvg: number;
    ownerBucketEntriesAvg: number;
  };
  /**
   * One owner entry (32-hex field → 32-hex UAID) in a listpack bucket and in a hashtable bucket:
   * past 4096 × hash-max-listpack-entries (128 by default) ≈ 524k channels, buckets convert.
   */
  ownerEntryBytes: { listpack: number; hashtable: number };
  /** bytesPerChannelMarginal with hashtable buckets (a deployment past ≈ 524k channels). */
  bytesPerChannelMarginalAtScale: number;
  /**
   * Rate-window counters (`rl:{…}`, one per endpoint pushed in the current window, expiring with
   * it): counted here and dropped before each memory reading, since they are not channel records.
   */
  rateKeys: { count: number; bytesEach: number };
  /** Round trips per PUT with SIMPLEPUSH_RATE_LIMIT_PER_MINUTE=0 (NOTIFY alone). */
  roundTripsPerPutWithoutRateLimit?: number;
}

/** Drops the rate-window keys (they expire within the window anyway); returns their count and size. */
async function dropRateKeys(redis: Redis): Promise<{ count: number; bytes: number }> {
  let cursor = '0';
  let count = 0;
  let bytes = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', 'rl:{*}', 'COUNT', 1000);
    cursor = next;
    for (const k of found) bytes += Number(await redis.memory('USAGE', k, 'SAMPLES', '0'));
    if (found.length) await redis.del(...found);
    count += found.length;
  } while (cursor !== '0');
  return { count, bytes };
}

/**
 * Every owner bucket (`cho:{xyz}`, keys.ts) made up front with one placeholder field, as in any
 * deployment past a few tens of thousands of channels: the marginal figure is then the cost of an
 * entry, not of creating a bucket key (which the small bench fleets would otherwise pay often).
 */
async function precreateOwnerBuckets(redis: Redis): Promise<void> {
  const p = redis.pipeline();
  for (let i = 0; i < 4096; i++) p.hset(`cho:{${i.toString(16).padStart(3, '0')}}`, 'bench', '1');
  await p.exec();
}

/** MEMORY USAGE per entry of a hash of n random 32-hex → 32-hex entries, in Redis's encoding. */
async function entryBytes(redis: Redis, n: number): Promise<number> {
  const key = `bench:probe:${n}`;
  const hex = () => crypto.randomUUID().replace(/-/g, '');
  const args: string[] = [];
  for (let i = 0; i < n; i++) args.push(hex(), hex());
  await redis.hset(key, ...args);
  // Per entry including the key's own overhead: amortised, as in a bucket of that size.
  const bytes = Number(await redis.memory('USAGE', key, 'SAMPLES', '0'));
  await redis.del(key);
  return Math.round(bytes / n);
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

/** MEMORY USAGE of one user's keys and of the channel-owner buckets (keys.ts layout). */
async function sampleKeys(redis: Redis): Promise<CostResult['keys']> {
  const usage = async (key: string) => Number(await redis.memory('USAGE', key, 'SAMPLES', '0'));
  let user = 0;
  let channels = 0;
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', 'u:{*}:ch', 'COUNT', 1000);
    cursor = next;
    if (found.length) {
      channels = await usage(found[0]);
      user = await usage(found[0].slice(0, -':ch'.length));
      break;
    }
  } while (cursor !== '0');
  const buckets: string[] = [];
  cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', 'cho:{*}', 'COUNT', 1000);
    cursor = next;
    buckets.push(...found);
  } while (cursor !== '0');
  let bytes = 0;
  let entries = 0;
  for (const b of buckets) {
    bytes += await usage(b);
    entries += await redis.hlen(b);
  }
  const avg = (x: number) => (buckets.length ? Math.round(x / buckets.length) : 0);
  return {
    user,
    channels,
    ownerBuckets: buckets.length,
    ownerBucketAvg: avg(bytes),
    ownerBucketEntriesAvg: avg(entries),
  };
}

/**
 * Redis cost of the ingress path and of the stored state. Clients do not ack during the counted
 * window, so what Redis runs then is the ingress's work (plus heartbeats, subtracted through an
 * idle window of the same length).
 */
export async function runCost(uaids: number, log: (s: string) => void): Promise<CostResult> {
  // Round trips as shipped (the per-endpoint rate window on: one more script per PUT) ...
  const shipped = await costRun(Math.max(500, Math.round(uaids / 5)), {}, log);
  // ... and the stored records without the rate-window counters, which would otherwise grow the
  // keyspace tables during the measurement (they are per pushed endpoint and expire).
  const records = await costRun(uaids, { SIMPLEPUSH_RATE_LIMIT_PER_MINUTE: '0' }, log);
  return {
    ...records,
    puts: shipped.puts,
    putStatuses: shipped.putStatuses,
    roundTripsPerPut: shipped.roundTripsPerPut,
    roundTripsByCommand: shipped.roundTripsByCommand,
    redisCallsPerPut: shipped.redisCallsPerPut,
    commandstatsPerPut: shipped.commandstatsPerPut,
    rateKeys: shipped.rateKeys,
    roundTripsPerPutWithoutRateLimit: records.roundTripsPerPut,
  };
}

async function costRun(
  uaids: number,
  env: Record<string, string>,
  log: (s: string) => void,
): Promise<CostResult> {
  let counter: RespCounter | null = null;
  const cluster = await startCluster({
    env,
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
    await precreateOwnerBuckets(redis);
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
    const bytesPerChannelRegistered = ((m2 - m1) / uaids - bytesPerUaid) / 2;
    // Two more channels on the same UAIDs: the :ch keys and owner buckets exist already.
    const more = await Promise.all(
      withChannels.procs.map((p) =>
        p.ask<AddChannelsResult>({ cmd: 'add-channels', channels: 2, wantEndpoints: true }),
      ),
    );
    const added = more.reduce((a, r) => a + r.added, 0);
    const m2b = await usedMemory(redis);
    const bytesPerChannelMarginalRegistered = (m2b - m2) / added;
    const channels = [...withChannels.allEndpoints(), ...more.flatMap((r) => r.endpoints)];
    log(
      `cost: ${uaids} UAIDs: ${Math.round(bytesPerUaid)} B each; first 2 channels registered ${Math.round(bytesPerChannelRegistered)} B each, ` +
        `${added} more ${Math.round(bytesPerChannelMarginalRegistered)} B each`,
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
    const rate = await dropRateKeys(redis);
    const m3 = await usedMemory(redis);
    // Now ack: one more version each, acked, to size the full record (version + acked version).
    await Promise.all(withChannels.procs.map((p) => p.ask({ cmd: 'set-ack', ack: true })));
    await putters[0].ask<PutAllResult>({ cmd: 'put-all', concurrency: 32 });
    await sleep(1500);
    await dropRateKeys(redis);
    const m4 = await usedMemory(redis);
    const valueBytes = (m4 - m2b) / n;
    const bytesPerChannelMarginal = bytesPerChannelMarginalRegistered + valueBytes;
    const bytesPerChannelRecord = bytesPerChannelRegistered + valueBytes;
    const channelsPerUaid = n / uaids;
    const bytesPerChannelAverage = ((m4 - m1) / uaids - bytesPerUaid) / channelsPerUaid;
    const keys = await sampleKeys(redis);
    // 100 entries stay a listpack, 1000 are a hashtable (default hash-max-listpack-entries 128).
    const ownerEntry = {
      listpack: await entryBytes(redis, 100),
      hashtable: await entryBytes(redis, 1000),
    };
    const bytesPerChannelMarginalAtScale =
      bytesPerChannelMarginal - ownerEntry.listpack + ownerEntry.hashtable;
    log(
      `cost: versions stored +${Math.round((m3 - m2b) / n)} B/channel; with ack +${Math.round(valueBytes)} B/channel; ` +
        `marginal record ${Math.round(bytesPerChannelMarginal)} B (with hashtable buckets ${Math.round(bytesPerChannelMarginalAtScale)} B); ` +
        `keys ${JSON.stringify(keys)}; owner entry ${JSON.stringify(ownerEntry)}`,
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
      bytesPerChannelMarginal: Math.round(bytesPerChannelMarginal),
      bytesPerChannelMarginalRegistered: Math.round(bytesPerChannelMarginalRegistered),
      bytesPerChannelAverage: Math.round(bytesPerChannelAverage),
      channelsPerUaid,
      bytesPerChannelRecord: Math.round(bytesPerChannelRecord),
      keys,
      ownerEntryBytes: ownerEntry,
      bytesPerChannelMarginalAtScale: Math.round(bytesPerChannelMarginalAtScale),
      rateKeys: {
        count: rate.count,
        bytesEach: rate.count ? Math.round(rate.bytes / rate.count) : 0,
      },
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
