import type { Socket } from 'node:net';
import type WebSocket from 'ws';

/**
 * Runs `fn` with the client's socket corked: the frames it sends synchronously leave in one
 * write (ws corks each frame on its own; corks nest). A resync answers hello and sends the
 * pending versions back to back: one syscall instead of one per frame, for every client of a
 * reconnect storm.
 */
export function inOneWrite<T>(ws: WebSocket, fn: () => T): T {
  // ws keeps its net.Socket private; without it (not yet upgraded, or gone) frames go as they are.
  const socket = (ws as unknown as { _socket?: Socket })._socket;
  if (!socket || socket.destroyed) return fn();
  socket.cork();
  try {
    return fn();
  } finally {
    socket.uncork();
  }
}
