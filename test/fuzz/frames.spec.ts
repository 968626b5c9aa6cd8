import fc from 'fast-check';
import { CloseCode, newSession, parseClientFrame, step } from '@herald/protocol';
import { clientFrame } from './arbitraries';

/**
 * In-process fuzzing of the pure protocol code (fixed seed, over 100k frames per run): it never
 * throws, and every frame becomes a documented step — a reply, an action, or a close with a
 * documented code and a reason that fits in a close frame.
 */
const DOCUMENTED_CLOSE = new Set<number>([CloseCode.PROTOCOL_ERROR, CloseCode.BACK_OFF]);
const STEPS = new Set([
  'close',
  'reply',
  'hello',
  'register',
  'unregister',
  'ack',
  'nack',
  'broadcast-subscribe',
  'nothing',
]);

function check(ok: boolean, what: string, text: string): void {
  // Plain checks: jest's expect per frame would dominate the run time.
  if (!ok) throw new Error(`${what} for frame ${JSON.stringify(text)}`);
}

describe('protocol fuzzing (in process)', () => {
  it('turns 102,000 arbitrary frames (34,000 sequences of 3) into documented steps', () => {
    let frames = 0;
    fc.assert(
      fc.property(fc.array(clientFrame, { minLength: 3, maxLength: 3 }), (texts) => {
        frames += texts.length;
        const session = newSession();
        let now = 0;
        for (const text of texts) {
          const s = step(session, parseClientFrame(text), (now += 1000), {
            clientPingMinIntervalMs: 60_000,
          });
          check(STEPS.has(s.do), `undocumented step ${s.do}`, text);
          if (s.do === 'close') {
            check(DOCUMENTED_CLOSE.has(s.code), `undocumented close code ${s.code}`, text);
            check(
              s.reason.length > 0 && Buffer.byteLength(s.reason) <= 123,
              'bad close reason',
              text,
            );
            return;
          }
          if (s.do === 'reply') JSON.parse(s.frame);
        }
      }),
      { numRuns: 34_000, seed: 20261201 },
    );
    expect(frames).toBeGreaterThanOrEqual(100_000);
  });
});
