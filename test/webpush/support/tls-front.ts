import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent, createServer, Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The TLS-terminating load balancer an operator puts in front of the ingress: the `web-push`
 * library only speaks https, and is used unmodified, so tests reach the ingress through this.
 * A self-signed certificate for localhost; clients trust it through {@link insecureAgent}.
 */
export interface TlsFront {
  port: number;
  origin: string;
  close(): Promise<void>;
}

let pair: { key: Buffer; cert: Buffer } | null = null;

function certificate(): { key: Buffer; cert: Buffer } {
  if (pair) return pair;
  const dir = mkdtempSync(join(tmpdir(), 'herald-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-days',
        '2',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    pair = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
    return pair;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An https.Agent that accepts the front's self-signed certificate (web-push's `agent` option). */
export const insecureAgent = new Agent({ rejectUnauthorized: false, keepAlive: false });

/** Listens on `port` and forwards every request to the ingress on 127.0.0.1:`target`. */
export function startTlsFront(port: number, target: number): Promise<TlsFront> {
  const server: Server = createServer(certificate(), (req, res) => {
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: target,
        method: req.method,
        path: req.url,
        headers: {
          ...req.headers,
          'x-forwarded-for': req.socket.remoteAddress ?? '',
          'x-forwarded-proto': 'https',
        },
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  return new Promise((resolve) =>
    // All interfaces: `localhost` may resolve to ::1 or 127.0.0.1.
    server.listen(port, () =>
      resolve({
        port,
        origin: `https://localhost:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    ),
  );
}
