import type { SendLog } from '../load/protocol';

/**
 * Web Push POST → decrypted latencies (µs): the send time is inside the ciphertext only as a
 * sequence number (the messages are encrypted before the step), so each arrival the clients
 * report, [putter, seq, decrypted at µs], is joined with the POST time its putter recorded for
 * that sequence. Arrivals of messages not POSTed in these runs (stragglers of an earlier step)
 * give no sample, as SimplePush versions sent before the step do not.
 */
export function webPushLatencies(arrivals: number[], sends: SendLog[]): number[] {
  const byPutter = new Map(sends.map((s) => [s.putter, s]));
  const out: number[] = [];
  for (let i = 0; i + 2 < arrivals.length; i += 3) {
    const log = byPutter.get(arrivals[i]);
    const sentUs = log?.sentUs[arrivals[i + 1] - log.firstSeq];
    if (sentUs !== undefined) out.push(arrivals[i + 2] - sentUs);
  }
  return out;
}
