import type { Machine } from './support/machine';
import type { CostResult } from './scenarios/cost';
import type { IdleResult } from './scenarios/idle';
import type { StormResult } from './scenarios/storm';
import type { PipelineResult, StepFigures, ThroughputResult } from './scenarios/throughput';

export interface BenchResults {
  date: string;
  mode: 'quick' | 'full';
  machine: Machine;
  /** Load average when the run ended: other engineers share the machine. */
  loadAtEnd: number[];
  durationSeconds: number;
  idle?: IdleResult;
  throughput?: ThroughputResult;
  storm?: StormResult;
  cost?: CostResult;
}

export interface Row {
  metric: string;
  herald: string;
  baseline: string;
  target: string;
  verdict: 'PASS' | 'MISS' | '';
}

const kb = (b: number) => `${(b / 1000).toFixed(2)} kB`;
const verdict = (ok: boolean): 'PASS' | 'MISS' => (ok ? 'PASS' : 'MISS');

/** One row per figure, each with the target it is checked against. */
export function rows(r: BenchResults): Row[] {
  const out: Row[] = [];
  if (r.idle) {
    const { herald, rawWs, n } = r.idle;
    const ng = r.idle.noGc;
    if (ng) {
      const parts = (f: typeof ng.herald) =>
        `V8 heap committed ${kb(f.heapTotalPerConnBytes)}, used ${kb(f.heapUsedPerConnBytes)}, external ${kb(f.externalPerConnBytes)}`;
      out.push({
        metric: `RSS per idle connection as a pod sees it: no forced GC, settled, slope ${ng.low.toLocaleString('en')} → ${ng.high.toLocaleString('en')} connections on one process`,
        herald: `${kb(ng.herald.rssPerConnBytes)} (${parts(ng.herald)}; ${ng.herald.failed} failed)`,
        baseline: `raw ws ${kb(ng.rawWs.rssPerConnBytes)} (×${ng.ratio ?? 'n/a'}; ${parts(ng.rawWs)})`,
        target: `≤ 1.5× raw ws (${kb(ng.rawWs.rssPerConnBytes * 1.5)})`,
        verdict: verdict(ng.ratio !== null && ng.herald.failed === 0 && ng.ratio <= 1.5),
      });
    }
    out.push({
      metric: `RSS per idle connection after a forced GC (preloaded probe), 0 → ${n.toLocaleString('en')} on one process`,
      herald:
        kb(herald.rssPerConnBytes) +
        (herald.rssPerConnAtGcBytes
          ? ` (read at once after GC: ${kb(herald.rssPerConnAtGcBytes)})`
          : ''),
      baseline:
        `raw ws ${kb(rawWs.rssPerConnBytes)} (×${r.idle.ratio})` +
        (rawWs.rssPerConnAtGcBytes ? ` (at once after GC: ${kb(rawWs.rssPerConnAtGcBytes)})` : ''),
      target: `≤ 1.5× raw ws (${kb(rawWs.rssPerConnBytes * 1.5)}) and < 10.27 kB`,
      verdict: verdict(
        herald.rssPerConnBytes <= rawWs.rssPerConnBytes * 1.5 && herald.rssPerConnBytes < 10_270,
      ),
    });
    out.push({
      metric: 'V8 heap per idle connection (after GC)',
      herald: `${kb(herald.heapPerConnBytes)} (/metrics: ${kb(herald.metricsHeapPerConnBytes ?? NaN)})`,
      baseline: `raw ws ${kb(rawWs.heapPerConnBytes)}`,
      target: '',
      verdict: '',
    });
    out.push({
      metric: 'Clients held by one gateway process',
      herald: `${herald.clients.toLocaleString('en')} (${herald.failed} failed, ${herald.connectSeconds.toFixed(1)} s to connect)`,
      baseline: `raw ws ${rawWs.clients.toLocaleString('en')}`,
      target: `${n.toLocaleString('en')}${n >= 19_000 ? ' (descriptor cap)' : ' (quick)'}`,
      verdict: verdict(herald.clients >= n && herald.failed === 0),
    });
    const mw = r.idle.machineWide;
    if (mw) {
      out.push({
        metric: `Clients on one machine (${mw.gateways} gateway processes)`,
        herald: `${mw.clients.toLocaleString('en')} (${mw.failed} failed${mw.failed && mw.failures ? `: ${JSON.stringify(mw.failures)}` : ''}; ${kb(mw.rssPerConnBytes)} RSS each; ${(mw.totalRssBytes / 2 ** 30).toFixed(2)} GiB in gateways)`,
        baseline: '',
        target: '≥ 100,000',
        verdict: verdict(mw.clients >= 100_000),
      });
    }
  }
  const t = r.throughput;
  // `--legs webpush` alone: no PUT pipeline to tabulate.
  if (t && (t.herald ?? t.socketio ?? t.heraldFloor ?? t.forwarder)) out.push(...throughputRows(t));
  if (r.throughput?.heraldWebPush) out.push(...webPushRows(r.throughput));
  const rep = r.throughput?.heraldReplicated;
  if (rep && r.throughput) {
    const plain = r.throughput.herald;
    const lat = (s: typeof rep.atHalf) =>
      s ? `p50 ${s.latency.p50Ms} / p99 ${s.latency.p99Ms} ms at ${s.offeredPerSec}/s` : 'n/a';
    out.push({
      metric: `REDIS_WAIT_REPLICAS=1 (a replica confirms each acknowledged write): max sustained notifications/s, latency at 50 %`,
      herald: `${rep.maxSustainedPerSec.toLocaleString('en')}/s; ${lat(rep.atHalf)}; PUT response p99 ${rep.atHalf?.putResponse.p99Ms ?? '-'} ms`,
      baseline: plain
        ? `without: ${plain.maxSustainedPerSec.toLocaleString('en')}/s; ${lat(plain.atHalf)}; PUT response p99 ${plain.atHalf?.putResponse.p99Ms ?? '-'} ms`
        : '',
      target: '',
      verdict: '',
    });
  }
  if (r.storm) {
    const s = r.storm;
    const all = s.lost === 0 && s.reconnectFailed === 0;
    const failures = Object.entries(s.failures ?? {})
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const p = s.policy;
    out.push({
      metric: `Reconnect storm: ${s.victims.toLocaleString('en')} clients of a killed gateway reconnect to 2 holding ${(s.clientsPerSurvivor ?? s.clientsPerGateway).toLocaleString('en')} each; time until every client has its latest versions (jitter ${s.jitterMs} ms)`,
      herald: all
        ? `${s.resyncSeconds.toFixed(2)} s (all hellos answered ${(s.allInSeconds ?? NaN).toFixed(2)} s; kill → all resynced ${s.killToResyncedSeconds.toFixed(2)} s)`
        : `not all by the ${p ? p.deadlineMs / 1000 : '?'} s deadline (last version received ${s.resyncSeconds.toFixed(2)} s)`,
      baseline: '',
      target: '≤ 5 s',
      verdict: verdict(all && s.resyncSeconds <= 5),
    });
    out.push({
      metric: 'Reconnect storm: versions lost (never received by the deadline)',
      herald: `${s.lost} of ${s.pendingChannels.toLocaleString('en')}${s.lostOnConnected !== undefined ? ` (on clients that completed a hello: ${s.lostOnConnected})` : ''}`,
      baseline: '',
      target: '0',
      verdict: verdict(s.lost === 0),
    });
    if (p) {
      out.push({
        metric: `Reconnect storm: failed attempts (retry ${p.baseMs} ms doubling to ${p.capMs / 1000} s, jitter, ${p.attemptTimeoutMs / 1000} s attempt timeout)`,
        herald: `${Object.values(s.failures)
          .reduce((a, b) => a + b, 0)
          .toLocaleString(
            'en',
          )} failed of ${s.attempts.toLocaleString('en')} attempts${failures ? ` (${failures})` : ''}; ${s.retriedClients} clients retried, at most ${s.maxAttempts} attempts; ${s.reconnectFailed} never in${s.survivorFds ? `; survivors' open descriptors after: ${s.survivorFds.join(', ')} (cap ${s.fdLimit})` : ''}`,
        baseline: '',
        target: '',
        verdict: '',
      });
    }
  }
  if (r.cost) {
    const c = r.cost;
    out.push({
      metric: 'Redis round trips per PUT (ingress)',
      herald:
        `${c.roundTripsPerPut} (${Object.entries(c.roundTripsByCommand)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})` +
        (c.roundTripsPerPutWithoutRateLimit !== undefined
          ? `; ${c.roundTripsPerPutWithoutRateLimit} with SIMPLEPUSH_RATE_LIMIT_PER_MINUTE=0`
          : ''),
      baseline:
        `${c.redisCallsPerPut} commands run by Redis incl. Lua-internal` +
        (c.rateKeys?.count
          ? `; per-endpoint rate window: ${c.rateKeys.count.toLocaleString('en')} counters of ${c.rateKeys.bytesEach} B (expire with the window, not in the channel figures)`
          : ''),
      target: '≤ 2',
      verdict: verdict(c.roundTripsPerPut <= 2),
    });
    if (c.bytesPerChannelMarginal !== undefined) {
      out.push({
        metric: `Redis memory per channel record, marginal (one more channel on a UAID that has some: registered, version, acked)`,
        herald: `${c.bytesPerChannelMarginal} B (registered only: ${c.bytesPerChannelMarginalRegistered} B)`,
        baseline: '',
        target: '≤ 150 B (judged on this marginal figure)',
        verdict: verdict(c.bytesPerChannelMarginal <= 150),
      });
      if (c.ownerEntryBytes)
        out.push({
          metric:
            'Redis memory per channel record, marginal, past ≈ 524k channels (owner buckets over hash-max-listpack-entries 128 become hashtables)',
          herald: `${c.bytesPerChannelMarginalAtScale} B (owner entry ${c.ownerEntryBytes.hashtable} B instead of ${c.ownerEntryBytes.listpack} B)`,
          baseline: '',
          target: '≤ 150 B',
          verdict: verdict(c.bytesPerChannelMarginalAtScale <= 150),
        });
      out.push({
        metric: `Redis memory per channel record, average at ${c.channelsPerUaid} channels per UAID (incl. the \`:ch\` key and owner buckets)`,
        herald: `${c.bytesPerChannelAverage} B (a UAID's first 2 channels: ${c.bytesPerChannelRecord} B each)`,
        baseline: '',
        target: '',
        verdict: '',
      });
    } else {
      out.push({
        metric: 'Redis memory per channel record (registered, version, ack)',
        herald: `${c.bytesPerChannelRecord} B (registered only: ${c.bytesPerChannelRegistered} B)`,
        baseline: '',
        target: '≤ 150 B',
        verdict: verdict(c.bytesPerChannelRecord <= 150),
      });
    }
    out.push({
      metric: 'Redis memory per UAID (connected, no channel)',
      herald: `${c.bytesPerUaid} B${c.keys ? ` (MEMORY USAGE: u:{uaid} ${c.keys.user} B, u:{uaid}:ch ${c.keys.channels} B at ${c.channelsPerUaid} channels; ${c.keys.ownerBuckets} owner buckets of ${c.keys.ownerBucketAvg} B, ${c.keys.ownerBucketEntriesAvg} entries each)` : ''}`,
      baseline: '',
      target: '',
      verdict: '',
    });
  }
  return out;
}

/**
 * CPU per delivered notification (µs of one core) in a step, by part of the pipeline: ingress,
 * WebSocket nodes (gateways) together, Redis, load generator (clients + PUT senders), and the
 * whole machine (every process on the box, the kernel included).
 */
export function cpuPerNotification(s: StepFigures): Record<string, number> {
  const part = (name: string): string => {
    if (name === 'machine') return 'machine';
    if (name.startsWith('clients-') || name.startsWith('putter-')) return 'load';
    if (name.includes('ingress')) return 'ingress';
    if (name === 'redis' || name === 'replica') return name;
    return 'nodes';
  };
  const sums: Record<string, number> = {};
  for (const [name, cores] of Object.entries(s.cpu))
    sums[part(name)] = (sums[part(name)] ?? 0) + cores;
  const rate = s.deliveredPerSec || 1;
  return Object.fromEntries(
    Object.entries(sums).map(([k, cores]) => [k, Math.round((cores / rate) * 1e6)]),
  );
}

/** The step at a pipeline's max sustained rate (the last sustained step). */
function atMax(p: PipelineResult): StepFigures | undefined {
  return [...p.steps].reverse().find((s) => s.sustained);
}

const cpuText = (s: StepFigures | undefined): string => {
  if (!s) return 'n/a';
  const c = cpuPerNotification(s);
  const order = ['ingress', 'nodes', 'redis', 'replica', 'load', 'machine'];
  return (
    `at ${s.deliveredPerSec.toLocaleString('en')}/s: ` +
    order
      .filter((k) => c[k] !== undefined)
      .map((k) => `${k} ${c[k]}`)
      .join(', ') +
    ' µs'
  );
};

const latText = (s: StepFigures | null | undefined): string =>
  s
    ? `p50 ${s.latency.p50Ms} / p99 ${s.latency.p99Ms} / p99.9 ${s.latency.p999Ms} ms at ${s.offeredPerSec.toLocaleString('en')}/s`
    : 'n/a';

const perSec = (p: PipelineResult | undefined): string =>
  p ? `${p.maxSustainedPerSec.toLocaleString('en')}/s` : 'not run';

const ratio = (a: PipelineResult | undefined, b: PipelineResult | undefined): string =>
  a && b && b.maxSustainedPerSec > 0
    ? `×${(a.maxSustainedPerSec / b.maxSustainedPerSec).toFixed(2)}`
    : '×n/a';

/** CPU per delivered notification (µs of one core) of each measured process in a step. */
export function cpuPerProcess(s: StepFigures): Record<string, number> {
  const rate = s.deliveredPerSec || 1;
  return Object.fromEntries(
    Object.entries(s.cpu).map(([name, cores]) => [name, Math.round((cores / rate) * 1e6)]),
  );
}

const cpuByProcessText = (s: StepFigures | undefined): string =>
  s
    ? `at ${s.deliveredPerSec.toLocaleString('en')}/s: ` +
      Object.entries(cpuPerProcess(s))
        .map(([k, us]) => `${k} ${us}`)
        .join(', ') +
      ' µs'
    : 'n/a';

/**
 * Web Push POST → decrypted at the client (each message encrypted for its subscription's keys,
 * decrypted and its plaintext checked), beside SimplePush PUT → receive from the same cluster.
 */
function webPushRows(t: ThroughputResult): Row[] {
  const wp = t.heraldWebPush;
  if (!wp) return [];
  const sp = t.herald;
  const all = [...wp.steps, wp.atHalf, wp.atNinety].filter((s): s is StepFigures => !!s);
  let failed = 0;
  let decrypted = 0;
  const causes: Record<string, number> = {};
  for (const s of all) {
    decrypted += s.webPush?.decrypted ?? 0;
    for (const [k, n] of Object.entries(s.webPush?.openFailures ?? {})) {
      failed += n;
      causes[k] = (causes[k] ?? 0) + n;
    }
  }
  const max = atMax(wp);
  const loadSide = (s: StepFigures | undefined): string => {
    if (!s) return 'n/a';
    const c = cpuPerProcess(s);
    const sum = (prefix: string) =>
      Object.entries(c)
        .filter(([k]) => k.startsWith(prefix))
        .reduce((a, [, us]) => a + us, 0);
    return `clients ${sum('clients-')} µs, putters ${sum('putter-')} µs per notification`;
  };
  return [
    {
      metric: `Web Push POST → decrypted at the client: max sustained/s (${wp.clients.toLocaleString('en')} clients, aes128gcm for each subscription's own keys, every message decrypted and its plaintext checked)`,
      herald: `${perSec(wp)} (${ratio(wp, sp)} SimplePush)`,
      baseline: `SimplePush PUT → receive → ack ${perSec(sp)}`,
      target: '',
      verdict: '',
    },
    {
      metric: 'Web Push POST → decrypted: latency at 50 % of max',
      herald: latText(wp.atHalf),
      baseline: `SimplePush ${latText(sp?.atHalf)}`,
      target: '',
      verdict: '',
    },
    {
      metric: 'Web Push POST → decrypted: latency at 90 % of max',
      herald: latText(wp.atNinety),
      baseline: `SimplePush ${latText(sp?.atNinety)}`,
      target: '',
      verdict: '',
    },
    {
      metric:
        'Web Push CPU per delivered notification at max sustained, per process (µs of one core)',
      herald: cpuByProcessText(max),
      baseline: `SimplePush ${sp ? cpuByProcessText(atMax(sp)) : 'not run'}`,
      target: '',
      verdict: '',
    },
    {
      metric:
        'Web Push decrypt failures (messages received but not decrypted or wrong plaintext), and the crypto on the load side',
      herald:
        `${failed} of ${(decrypted + failed).toLocaleString('en')}` +
        (failed
          ? ` (${Object.entries(causes)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ')})`
          : '') +
        `; decrypt + check ${max?.webPush?.decryptUsPerMessage ?? '-'} µs CPU per message in the clients; load side ${loadSide(max)}; ` +
        `putters encrypted each message beforehand (${max?.webPush?.encryptUsPerMessage ?? '-'} µs each, outside the timed steps)`,
      baseline: `SimplePush load side ${loadSide(sp ? atMax(sp) : undefined)}`,
      target: '0 failures',
      verdict: verdict(failed === 0 && decrypted > 0),
    },
  ];
}

/** Herald against the Socket.IO peer, its own floor and the forwarder, from one run. */
function throughputRows(t: ThroughputResult): Row[] {
  const out: Row[] = [];
  const { herald, socketio, heraldFloor: floor, forwarder } = t;
  const clients = (herald ?? socketio ?? floor ?? forwarder)?.clients ?? 0;
  out.push({
    metric: `Max sustained notifications/s (PUT → receive → ack, ${clients.toLocaleString('en')} clients; same putter, 64 requests in flight)`,
    herald: `${perSec(herald)} (${ratio(herald, socketio)} Socket.IO peer, ${ratio(herald, floor)} own floor)`,
    baseline:
      `Socket.IO peer ${perSec(socketio)} (no storage, no acks); Herald's floor ${perSec(floor)} (${ratio(floor, socketio)} peer); ` +
      `forwarder ${perSec(forwarder)}`,
    target: '≥ 0.8× the Socket.IO peer (goal 1.0×, long run 2×)',
    verdict:
      herald && socketio && socketio.maxSustainedPerSec > 0
        ? verdict(herald.maxSustainedPerSec >= 0.8 * socketio.maxSustainedPerSec)
        : '',
  });
  out.push({
    metric: 'Latency at 50 % of each max',
    herald: latText(herald?.atHalf),
    baseline: `Socket.IO peer ${latText(socketio?.atHalf)}; floor ${latText(floor?.atHalf)}; forwarder ${latText(forwarder?.atHalf)}`,
    target: 'p99 < 25 ms',
    verdict: herald ? verdict(!!herald.atHalf && herald.atHalf.latency.p99Ms < 25) : '',
  });
  out.push({
    metric: 'Latency at 90 % of each max',
    herald: latText(herald?.atNinety),
    baseline: `Socket.IO peer ${latText(socketio?.atNinety)}; floor ${latText(floor?.atNinety)}`,
    target: '',
    verdict: '',
  });
  const heraldMax = herald ? atMax(herald) : undefined;
  out.push({
    metric:
      'CPU per delivered notification at max sustained (µs of one core; nodes = both gateways)',
    herald: cpuText(heraldMax),
    baseline: `Socket.IO peer ${socketio ? cpuText(atMax(socketio)) : 'not run'}; floor ${floor ? cpuText(atMax(floor)) : 'not run'}`,
    target: 'machine ≤ 320 µs',
    verdict: heraldMax ? verdict(cpuPerNotification(heraldMax).machine <= 320) : '',
  });
  return out;
}

export function textTable(list: Row[]): string {
  const cols: Array<keyof Row> = ['metric', 'herald', 'baseline', 'target', 'verdict'];
  const width = cols.map((c) => Math.max(c.length, ...list.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i])).join(' | ');
  return [
    line(cols),
    width.map((w) => '-'.repeat(w)).join('-+-'),
    ...list.map((r) => line(cols.map((c) => r[c]))),
  ].join('\n');
}

export function markdown(r: BenchResults): string {
  const m = r.machine;
  const shared = Math.max(...m.loadAtStart, ...r.loadAtEnd) > 0.5;
  return [
    `Measured ${r.date.slice(0, 10)} with \`npm run bench\` (${r.mode} run, ${Math.round(r.durationSeconds / 60)} min) on ${m.nproc} × ${m.cpu}, ${m.ramGiB} GiB RAM, Node ${m.node}.` +
      (shared
        ? ` The machine was shared with other engineers' work while it ran; everything — Redis, Herald, the baselines and the load generators — ran on its ${m.nproc} cores.`
        : ` Everything — Redis, Herald, the baselines and the load generators — ran on its ${m.nproc} cores.`),
    '',
    `Machine load (\`uptime\` load average, 1 / 5 / 15 min): ${m.loadAtStart.join(' / ')} before the run, ${r.loadAtEnd.join(' / ')} after it.`,
    '',
    '| Metric | Herald | Baseline (same run) | Target | |',
    '|---|---|---|---|---|',
    ...rows(r).map(
      (x) => `| ${x.metric} | ${x.herald} | ${x.baseline} | ${x.target} | ${x.verdict} |`,
    ),
    '',
    `Raw figures: \`bench/results/${r.date.replace(/[:.]/g, '-')}.json\`. Analysis of misses: \`bench/FINDINGS.md\`.`,
    '',
  ].join('\n');
}
