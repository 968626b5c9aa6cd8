import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { MAX_ANSWER_BYTES, MegaphoneClient, megaphoneAuthorization } from './megaphone-client';

/** A real HTTP server on a free port answering with `handler`; requests are recorded. */
async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; server: Server; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, seen };
}

describe('MegaphoneClient', () => {
  const servers: Server[] = [];
  const start = async (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
    const s = await serve(handler);
    servers.push(s.server);
    return s;
  };
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it('sends Bearer <token>, or a token that names its scheme as it is', () => {
    expect(megaphoneAuthorization('0123abcd')).toBe('Bearer 0123abcd');
    expect(megaphoneAuthorization('Bearer 0123abcd')).toBe('Bearer 0123abcd');
  });

  it('GETs the URL as given and reads its broadcasts', async () => {
    const s = await start((_req, res) =>
      res.end(JSON.stringify({ code: 200, broadcasts: { 'kinto:123': 'ver1' } })),
    );
    const r = await new MegaphoneClient(`${s.url}/v1/broadcasts`, 'tok').poll();
    expect(r).toEqual({ ok: true, broadcasts: { 'kinto:123': 'ver1' } });
    expect(s.seen[0].method).toBe('GET');
    expect(s.seen[0].url).toBe('/v1/broadcasts');
    expect(s.seen[0].headers.authorization).toBe('Bearer tok');
  });

  it('follows a redirect to the same origin with the token (a trailing slash, as FastAPI)', async () => {
    const s = await start((req, res) => {
      if (req.url === '/v1/broadcasts/') {
        res.writeHead(307, { location: '/v1/broadcasts' }).end();
      } else if (req.headers.authorization === 'Bearer tok') {
        res.end('{"broadcasts":{"a":"1"}}');
      } else res.writeHead(401).end();
    });
    const r = await new MegaphoneClient(`${s.url}/v1/broadcasts/`, 'Bearer tok').poll();
    expect(r).toEqual({ ok: true, broadcasts: { a: '1' } });
  });

  it('names each failure', async () => {
    let answer: (res: ServerResponse) => void = () => undefined;
    const s = await start((_req, res) => answer(res));
    const client = new MegaphoneClient(s.url, 'tok', 300);

    answer = (res) => res.writeHead(500).end('{"broadcasts":{}}');
    expect(await client.poll()).toEqual({ ok: false, reason: 'http_error', detail: 'status 500' });
    answer = (res) => res.end('<html>oops</html>');
    expect(await client.poll()).toEqual({ ok: false, reason: 'bad_body', detail: 'not JSON' });
    answer = (res) => res.end(`{"broadcasts":{"a":"${'x'.repeat(MAX_ANSWER_BYTES)}"}}`);
    expect(await client.poll()).toMatchObject({ ok: false, reason: 'bad_body' });
    answer = () => undefined; // never answers
    expect(await client.poll()).toEqual({
      ok: false,
      reason: 'timeout',
      detail: 'no answer within 300 ms',
    });
    answer = (res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"broadcasts":'); // and then nothing: a body that stalls
    };
    expect(await client.poll()).toMatchObject({ ok: false, reason: 'timeout' });

    s.server.closeAllConnections();
    await new Promise((r) => s.server.close(r));
    servers.length = 0;
    // A fresh connection is refused; one kept alive from before finds its peer gone: both
    // are "unreachable".
    for (let i = 0; i < 2; i++) {
      expect(await client.poll()).toMatchObject({ ok: false, reason: 'unreachable' });
    }
    expect(await client.poll()).toMatchObject({ detail: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('stops when told to (shutdown), without waiting for the timeout', async () => {
    const s = await start(() => undefined);
    const stop = new AbortController();
    const pending = new MegaphoneClient(s.url, 'tok', 60_000).poll(stop.signal);
    stop.abort();
    expect(await pending).toMatchObject({ ok: false, reason: 'unreachable' });
  });
});
