import pino from 'pino';
import { OutageLog } from './outage-log';

/** A real pino logger writing into an array, so the lines are what an operator would read. */
function lines(): { log: pino.Logger; out: Array<Record<string, unknown>> } {
  const out: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => out.push(JSON.parse(s)) });
  return { log, out };
}

describe('OutageLog', () => {
  it('logs the first failure, then once per interval with the count, then the recovery', () => {
    const { log, out } = lines();
    const o = new OutageLog(log, 'megaphone poll', 60_000);
    o.succeeded(0); // nothing to recover from: silent
    o.failed('timeout', 'no answer within 1000 ms', 1_000);
    for (let t = 1_100; t < 61_000; t += 100) o.failed('http_error', 'status 500', t);
    expect(out.map((l) => l.msg)).toEqual(['megaphone poll failed']);
    o.failed('http_error', 'status 500', 61_000);
    expect(out[1]).toMatchObject({
      msg: 'megaphone poll still failing',
      reason: 'http_error',
      failures: 600,
      downForMs: 60_000,
    });
    o.succeeded(61_500);
    expect(out[2]).toMatchObject({ msg: 'megaphone poll answers again', downForMs: 60_500 });
    // A new outage is logged at once again.
    o.failed('unreachable', 'ECONNREFUSED', 62_000);
    expect(out).toHaveLength(4);
    expect(out[3]).toMatchObject({ msg: 'megaphone poll failed', reason: 'unreachable' });
  });
});
