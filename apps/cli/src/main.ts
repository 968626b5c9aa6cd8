#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import webpush from 'web-push';
import { formatSummaries, summarize } from './metrics-summary';

/**
 * `herald`: check a deployment by hand.
 *   herald send <endpoint> [--version N]              SimplePush PUT version=N
 *   herald send-webpush <subscription.json> <text>    encrypted Web Push (RFC 8291), optional VAPID
 *       [--ttl S] [--topic T] [--urgency U] [--vapid-subject mailto:…] [--vapid-public K --vapid-private K]
 *   herald vapid-keys                                 a new VAPID key pair
 *   herald stats [--metrics-port P] [base URL …]       readiness and key figures of each role
 *       (figures from the same host's metrics listener, METRICS_PORT, default 9464)
 */
const USAGE = `usage:
  herald send <endpoint> [--version N]
  herald send-webpush <subscription.json> <text> [--ttl S] [--topic T] [--urgency U]
        [--vapid-subject mailto:you@example.com --vapid-public KEY --vapid-private KEY]
  herald vapid-keys
  herald stats [--metrics-port 9464] [http://gateway:8080 http://ingress:8081 http://worker:8082]`;

async function send(endpoint: string, version?: string): Promise<number> {
  const res = await fetch(endpoint, {
    method: 'PUT',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: version === undefined ? '' : `version=${encodeURIComponent(version)}`,
  });
  console.log(`${res.status} ${await res.text()}`);
  return res.ok ? 0 : 1;
}

async function sendWebpush(
  file: string,
  text: string,
  o: Record<string, string | undefined>,
): Promise<number> {
  const subscription = JSON.parse(readFileSync(file, 'utf8')) as webpush.PushSubscription;
  const vapid =
    o['vapid-public'] && o['vapid-private']
      ? {
          subject: o['vapid-subject'] ?? 'mailto:operator@localhost',
          publicKey: o['vapid-public'],
          privateKey: o['vapid-private'],
        }
      : undefined;
  try {
    const res = await webpush.sendNotification(subscription, text, {
      TTL: Number(o.ttl ?? 60),
      ...(o.topic ? { topic: o.topic } : {}),
      ...(o.urgency ? { urgency: o.urgency as webpush.Urgency } : {}),
      ...(vapid ? { vapidDetails: vapid } : {}),
    });
    console.log(`${res.statusCode} ${res.headers.location ?? ''}`.trim());
    return 0;
  } catch (err) {
    const e = err as { statusCode?: number; body?: string; message: string };
    console.error(`${e.statusCode ?? 'error'} ${e.body ?? e.message}`);
    return 1;
  }
}

async function stats(urls: string[], metricsPort = '9464'): Promise<number> {
  const bases = urls.length
    ? urls
    : ['http://localhost:8080', 'http://localhost:8081', 'http://localhost:8082'];
  const rows = await Promise.all(
    bases.map(async (base) => {
      const url = base.replace(/\/+$/, '');
      try {
        // Metrics are not on the role's port but on its process's metrics listener.
        const metricsUrl = new URL('/metrics', url);
        metricsUrl.port = metricsPort;
        const [health, metrics] = await Promise.all([fetch(`${url}/healthz`), fetch(metricsUrl)]);
        return summarize(url, health.ok, await metrics.text());
      } catch {
        return { url, ready: false, figures: {} };
      }
    }),
  );
  console.log(formatSummaries(rows));
  return rows.every((r) => r.ready) ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      version: { type: 'string' },
      ttl: { type: 'string' },
      topic: { type: 'string' },
      urgency: { type: 'string' },
      'vapid-subject': { type: 'string' },
      'vapid-public': { type: 'string' },
      'vapid-private': { type: 'string' },
      'metrics-port': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...args] = positionals;
  switch (values.help ? 'help' : command) {
    case 'send':
      if (args.length !== 1) break;
      return send(args[0], values.version);
    case 'send-webpush':
      if (args.length !== 2) break;
      return sendWebpush(args[0], args[1], values as Record<string, string | undefined>);
    case 'vapid-keys':
      console.log(JSON.stringify(webpush.generateVAPIDKeys(), null, 2));
      return 0;
    case 'stats':
      return stats(args, values['metrics-port']);
  }
  console.error(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
