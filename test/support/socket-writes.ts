import type { Socket } from 'node:net';

/**
 * Counts the writes a socket hands to the OS from now on: one per `_write`, one per `_writev`
 * (a corked batch). For specs that check what leaves in one syscall.
 */
export function countWrites(socket: Socket): { n: number } {
  const s = socket as Socket & Record<string, unknown>;
  const counter = { n: 0 };
  for (const name of ['_write', '_writev'] as const) {
    const original = s[name] as (...a: unknown[]) => unknown;
    s[name] = function (this: Socket, ...args: unknown[]) {
      counter.n++;
      return original.apply(this, args);
    };
  }
  return counter;
}
