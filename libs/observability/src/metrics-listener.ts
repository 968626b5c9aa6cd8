import { createServer, Server } from 'node:http';
import { metricsRegistry } from './herald-metrics';

/** The metrics listener of a process: its port, and how to close it. */
export interface MetricsListener {
  port: number;
  close(): Promise<void>;
}

/**
 * Prometheus metrics on a port of their own (METRICS_PORT), not on the roles' public ports: the
 * gateway's WebSocket port and the ingress face the internet, and the figures tell traffic
 * volumes, memory, descriptors and script names. `GET /metrics` only; anything else is 404 (405
 * for another method on /metrics).
 */
export function startMetricsListener(port: number, host: string): Promise<MetricsListener> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end();
      return;
    }
    metricsRegistry.metrics().then(
      (text) => {
        res.writeHead(200, {
          'Content-Type': metricsRegistry.contentType,
          'Cache-Control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics failed\n'),
    );
  });
  // A scraper is a few requests a minute; nothing here should hold a socket for long.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
