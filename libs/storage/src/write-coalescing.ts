import type { Socket } from 'node:net';
import type { Cluster, default as Redis } from 'ioredis';

/**
 * Commands issued in one event-loop turn leave in one write: the connection's socket is corked at
 * the turn's first command and uncorked once the turn's I/O callbacks have run (setImmediate), so
 * Node sends them with one writev.
 *
 * This replaces ioredis's auto-pipelining on a single Redis. That gives the same batching, but
 * builds a Pipeline per batch (a copy of every script and built-in command: ~60 properties) and
 * holds a batch until the previous one's replies are in. Under a connect burst those Pipelines and
 * their commands live across several scavenges, get promoted, and die in old space: 6 kB of
 * committed heap per connection that the pod keeps (issue 14). Commands still go out in order and
 * their replies are matched in order; nothing else about the connection changes.
 */
export function coalesceWrites(redis: Redis): Redis {
  // Each (re)connection has a new socket: wrap that one.
  redis.on('connect', () => {
    const socket = (redis as unknown as { stream?: Socket }).stream;
    if (socket) corkPerTurn(socket);
  });
  return redis;
}

const COALESCED = Symbol('herald.coalesced');
const FLUSH = Symbol('herald.flush');
type Coalesced = Socket & { [COALESCED]?: boolean; [FLUSH]?: () => void };

/**
 * Sends what this turn has written so far now, not at the check phase: for a caller that issues
 * its commands from the check phase itself (a setImmediate), where the turn's uncork would wait a
 * whole loop iteration. A no-op on a connection that is not coalesced (a Cluster).
 */
export function flushWrites(redis: Redis | Cluster): void {
  const socket = (redis as unknown as { stream?: Coalesced }).stream;
  socket?.[FLUSH]?.();
}

/** Wraps the socket's write: the first write of a turn corks it, the check phase uncorks it. */
export function corkPerTurn(socket: Socket): void {
  const s = socket as Coalesced;
  if (s[COALESCED]) return;
  s[COALESCED] = true;
  let corked = false;
  const uncork = () => {
    // Flushed early (flushWrites), or a later turn's cork released by an earlier immediate: the
    // writes leave sooner, never later.
    if (!corked) return;
    corked = false;
    socket.uncork();
  };
  s[FLUSH] = uncork;
  const write = socket.write;
  socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    return write.apply(this, args);
  } as Socket['write'];
}
