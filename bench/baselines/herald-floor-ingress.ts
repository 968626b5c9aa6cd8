import { createServer } from 'node:http';
import Redis from 'ioredis';
import { EndpointTokenCodec } from '@herald/tokens';
// The floor takes only the key layout and the script text, not @herald/storage's index: that would
// load Herald's metrics (prom-client collectors and their event-loop monitor) into the floor.
// eslint-disable-next-line no-restricted-imports
import { keys, notifyTemplate, NOTIFY, NotifyStatus } from '../../libs/storage/src/testing';

/**
 * Herald's own floor, ingress side (issue 14): `PUT /update/<token>` with `version=N` → decode the
 * endpoint token (AES-GCM, Herald's codec) → Herald's NOTIFY script (text imported from
 * libs/storage: store the version if newer, read the route, publish to the owning node, in one
 * round trip) → 200 routed / 202 stored. No framework, no metrics, no rate window (the bench runs
 * Herald with its limits off as well), no replication check.
 */
const port = Number(process.env.PORT ?? 0);
const tokens = new EndpointTokenCodec(Buffer.from(process.env.ENDPOINT_SECRET ?? '', 'hex'));
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  enableAutoPipelining: true,
});
redis.defineCommand('heraldNotify', { numberOfKeys: 3, lua: NOTIFY });
const runNotify = (
  redis as unknown as { heraldNotify(...a: Array<string | number>): Promise<number[]> }
).heraldNotify.bind(redis);

function answer(res: import('node:http').ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

const server = createServer((req, res) => {
  const url = req.url ?? '';
  if (req.method === 'GET' && url === '/healthz') return void res.writeHead(200).end();
  if (req.method !== 'PUT' || !url.startsWith('/update/')) return void res.writeHead(404).end();
  const claims = tokens.decode(url.slice('/update/'.length));
  let body = '';
  req.setEncoding('latin1');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => {
    if (!claims || claims.kind !== 'simplepush') return answer(res, 404, '{"errno":102}');
    const version = /^version=(\d{1,19})$/.exec(body)?.[1];
    if (!version) return answer(res, 400, '{"errno":110}');
    const { uaid, channelID } = claims;
    runNotify(
      keys.user(uaid),
      keys.channels(uaid),
      keys.channelRate(uaid, channelID),
      channelID,
      version,
      ...notifyTemplate(uaid, { channelID, version }, Date.now()),
      keys.nodeChannelPrefix,
      0,
      0,
    ).then(
      (r) => {
        if (r[0] === NotifyStatus.UNKNOWN_CHANNEL) return answer(res, 410, '{"errno":106}');
        const routed = r[0] === NotifyStatus.ROUTED;
        answer(
          res,
          routed ? 200 : 202,
          `{"status":"${routed ? 'routed' : 'stored'}","version":"${version}"}`,
        );
      },
      () => answer(res, 503, '{"errno":201}'),
    );
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
