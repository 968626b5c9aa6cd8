import { Agent, request } from 'node:http';
import { nowUs } from '../support/stats';
import type { ChildReply, ParentCommand } from './protocol';

/**
 * The AppServer side: PUTs `version=<send time in µs>` to random endpoints at a fixed rate over
 * keep-alive connections. Versions rise strictly within this process, and each process gets its
 * own share of endpoints, so no PUT is rejected as not newer.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
let urls: URL[] = [];
let lastVersion = 0;

function nextVersion(): string {
  lastVersion = Math.max(nowUs(), lastVersion + 1);
  return String(lastVersion);
}

function reply(m: ChildReply): void {
  process.send?.(m);
}

let kind: 'simplepush' | 'webpush' = 'simplepush';

function put(url: URL, version: string, done: (status: number) => void): void {
  const webpush = kind === 'webpush';
  const body = webpush ? version : `version=${version}`;
  const req = request(
    {
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: webpush ? 'POST' : 'PUT',
      agent,
      headers: webpush
        ? {
            ttl: '60',
            'content-encoding': 'aes128gcm',
            'content-type': 'application/octet-stream',
            'content-length': body.length,
          }
        : {
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

function run(rate: number, durationMs: number, maxInFlight: number): void {
  const statuses: Record<string, number> = {};
  const responseUs: number[] = [];
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
      inFlight++;
      sent++;
      const t0 = performance.now();
      put(urls[Math.floor(Math.random() * urls.length)], nextVersion(), (status) => {
        inFlight--;
        if (status === 0) errors++;
        statuses[status] = (statuses[status] ?? 0) + 1;
        if ((sent & 7) === 0) responseUs.push((performance.now() - t0) * 1000);
        if (performance.now() - start >= durationMs && inFlight === 0) finish();
      });
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
      reply({ kind: 'ok' });
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
