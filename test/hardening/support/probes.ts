import { randomUUID } from 'node:crypto';
import { connect, Socket } from 'node:net';

/**
 * One series of a process's /metrics on its METRICS_PORT (0 when the series is absent); `labels`
 * as written, e.g. `budget="pongs"`. A listener that does not serve metrics is an error, not 0.
 */
export async function metricValue(port: number, name: string, labels = ''): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!res.ok) throw new Error(`GET :${port}/metrics answered ${res.status}`);
  const text = await res.text();
  const series = labels ? `${name}{${labels}}` : name;
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** A TCP socket that never sends a byte; `closed` resolves with the ms it lived. */
export function silentSocket(
  port: number,
  localAddress: string,
): Promise<{ socket: Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    const opened = Date.now();
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - opened)));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

/**
 * A WebSocket upgrade by hand, after which the socket never reads again: its peer's close frame
 * stays unread, as with a client that has gone away without a FIN.
 */
export function upgradeThenDeaf(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      socket.write(
        'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: ${Buffer.from(randomUUID().slice(0, 16)).toString('base64')}\r\n` +
          'Sec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
    socket.once('data', (head) => {
      socket.pause();
      if (head.toString().startsWith('HTTP/1.1 101')) resolve(socket);
      else reject(new Error(`no upgrade: ${head.toString()}`));
    });
  });
}

/** Bounded wait on a promise: rejects with `what` after ms. */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]);
}
