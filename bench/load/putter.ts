import { Agent, request } from 'node:http';
import { nowUs } from '../support/stats';
import type { ChildReply, ParentCommand, SendLog } from './protocol';
import { BenchSubscription, seal } from './webpush-message';

/**
 * The AppServer side: PUTs `version=<send time in µs>` to random endpoints at a fixed rate over
 * keep-alive connections. Versions rise strictly within this process, and each process gets its
 * own share of endpoints, so no PUT is rejected as not newer. For Web Push it POSTs messages
 * encrypted beforehand (`prepare`) for the subscriptions of its share, and records when it POSTed
 * each sequence number.
 */
const procIndex = Number(process.argv[2] ?? 0);
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
let urls: URL[] = [];
let subscriptions: BenchSubscription[] = [];
let lastVersion = 0;

function nextVersion(): string {
  lastVersion = Math.max(nowUs(), lastVersion + 1);
  return String(lastVersion);
}

function reply(m: ChildReply): void {
  process.send?.(m);
}

let kind: 'simplepush' | 'webpush' = 'simplepush';

/** A Web Push message ready to POST: its target and aes128gcm body carrying `seq`. */
interface Sealed {
  url: URL;
  body: Buffer;
}
let pool: Sealed[] = [];
/** Sequence number of pool[0]; sequence numbers never repeat within the process. */
let poolFirstSeq = 0;
let nextSeq = 0;

function prepare(count: number): void {
  const t0 = performance.now();
  poolFirstSeq = nextSeq;
  pool = new Array<Sealed>(count);
  for (let i = 0; i < count; i++) {
    const k = Math.floor(Math.random() * subscriptions.length);
    pool[i] = { url: urls[k], body: seal(subscriptions[k], { putter: procIndex, seq: nextSeq++ }) };
  }
  const ms = performance.now() - t0;
  reply({
    kind: 'prepared',
    count,
    ms: Math.round(ms),
    encryptUs: count ? Math.round((ms * 1000) / count) : 0,
  });
}

function put(url: URL, version: string, done: (status: number) => void): void {
  const body = `version=${version}`;
  const req = request(
    {
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'PUT',
      agent,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': body.length,
      },
    },
    (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    },
  );
  req.on('error', () => done(0));
  req.end(body);
}

function post(m: Sealed, done: (status: number) => void): void {
  const req = request(
    {
      host: m.url.hostname,
      port: m.url.port,
      path: m.url.pathname,
      method: 'POST',
      agent,
      headers: {
        ttl: '60',
        'content-encoding': 'aes128gcm',
        'content-type': 'application/octet-stream',
        'content-length': m.body.length,
      },
    },
    (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    },
  );
  req.on('error', () => done(0));
  req.end(m.body);
}

function run(rate: number, durationMs: number, maxInFlight: number): void {
  const statuses: Record<string, number> = {};
  const responseUs: number[] = [];
  const sends: SendLog | undefined =
    kind === 'webpush' ? { putter: procIndex, firstSeq: poolFirstSeq, sentUs: [] } : undefined;
  // A prepared message is POSTed once: a run without a new `prepare` has nothing to send.
  const batch = pool;
  pool = [];
  let sent = 0;
  let skipped = 0;
  let errors = 0;
  let inFlight = 0;
  let due = 0;
  const start = performance.now();
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    reply({
      kind: 'run',
      sent,
      statuses,
      errors,
      skipped,
      elapsedMs: performance.now() - start,
      responseUs,
      sends,
    });
  };
  const tick = () => {
    const elapsed = performance.now() - start;
    const target = Math.floor((Math.min(elapsed, durationMs) * rate) / 1000);
    while (due < target) {
      due++;
      if (inFlight >= maxInFlight) {
        skipped++;
        continue;
      }
      const sealed = sends ? batch[sends.sentUs.length] : undefined;
      if (sends && !sealed) {
        // Fewer prepared than the step asks for: counted as not sent, never encrypted here.
        skipped++;
        continue;
      }
      inFlight++;
      sent++;
      const t0 = performance.now();
      const done = (status: number) => {
        inFlight--;
        if (status === 0) errors++;
        statuses[status] = (statuses[status] ?? 0) + 1;
        if ((sent & 7) === 0) responseUs.push((performance.now() - t0) * 1000);
        if (performance.now() - start >= durationMs && inFlight === 0) finish();
      };
      if (sends && sealed) {
        sends.sentUs.push(nowUs());
        post(sealed, done);
      } else put(urls[Math.floor(Math.random() * urls.length)], nextVersion(), done);
    }
    if (elapsed < durationMs) setTimeout(tick, 1);
    else if (inFlight === 0) finish();
    else setTimeout(() => finish(), 5000); // stragglers: report anyway
  };
  tick();
}

function putAll(concurrency: number): void {
  const t0 = Date.now();
  const versions: string[] = new Array(urls.length);
  const statuses: Record<string, number> = {};
  let next = 0;
  let active = 0;
  const pump = () => {
    while (active < concurrency && next < urls.length) {
      const i = next++;
      active++;
      versions[i] = nextVersion();
      put(urls[i], versions[i], (status) => {
        active--;
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (next >= urls.length && active === 0) {
          reply({ kind: 'put-all', versions, statuses, ms: Date.now() - t0 });
        } else pump();
      });
    }
  };
  if (!urls.length) reply({ kind: 'put-all', versions, statuses, ms: 0 });
  else pump();
}

process.on('message', (m: ParentCommand) => {
  switch (m.cmd) {
    case 'endpoints':
      urls = m.urls.map((u) => new URL(u));
      subscriptions = m.subscriptions ?? [];
      reply({ kind: 'ok' });
      return;
    case 'prepare':
      if (subscriptions.length !== urls.length || !urls.length)
        reply({ kind: 'error', message: 'putter: prepare needs one subscription per endpoint' });
      else prepare(m.count);
      return;
    case 'run':
      kind = m.kind ?? 'simplepush';
      run(m.rate, m.durationMs, m.maxInFlight);
      return;
    case 'put-all':
      putAll(m.concurrency);
      return;
    case 'close':
      reply({ kind: 'ok' });
      setTimeout(() => process.exit(0), 50);
      return;
    default:
      reply({ kind: 'error', message: `putter: unknown command ${m.cmd}` });
  }
});
process.on('disconnect', () => process.exit(0));
// exit() rather than dying of the signal: a --cpu-prof profile is written at exit.
process.on('SIGTERM', () => process.exit(0));
