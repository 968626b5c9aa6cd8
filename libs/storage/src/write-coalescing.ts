import type { Socket } from 'node:net';
import type Redis from 'ioredis';

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

/** Wraps the socket's write: the first write of a turn corks it, the check phase uncorks it. */
export function corkPerTurn(socket: Socket): void {
  const s = socket as Socket & { [COALESCED]?: boolean };
  if (s[COALESCED]) return;
  s[COALESCED] = true;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
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
