import { createServer, IncomingMessage, Server } from 'node:http';

/**
 * The web page of the browser test, served on localhost (a secure context without TLS): it
 * registers a service worker, subscribes with the application server key and POSTs the
 * subscription here; the worker POSTs every push it decrypts. Each report is an event the test
 * waits on.
 */
const PAGE = (key: string) => `<!doctype html>
<meta charset="utf-8"><title>Herald push test</title>
<script>
(async () => {
  const log = (m) => fetch('/log', { method: 'POST', body: String(m) });
  try {
    log('push: ' + ('PushManager' in self) + ' sw: ' + ('serviceWorker' in navigator));
    const reg = await navigator.serviceWorker.register('/sw.js');
    await navigator.serviceWorker.ready;
    log('service worker ready');
    // A page loaded while Firefox starts can ask before the push service listens, and that
    // request is never answered: ask again until one is.
    const timeout = (ms) => new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), ms));
    let sub = null;
    for (let attempt = 1; !sub; attempt++) {
      try {
        sub = await Promise.race([reg.pushManager.getSubscription(), timeout(3000)]);
        log('existing subscription: ' + Boolean(sub));
        if (!sub) {
          sub = await Promise.race([
            reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: '${key}' }),
            timeout(10000),
          ]);
        }
      } catch (e) {
        log('attempt ' + attempt + ': ' + e);
        if (attempt >= 20) throw e;
      }
    }
    await fetch('/subscription', { method: 'POST', body: JSON.stringify(sub.toJSON()) });
  } catch (e) {
    log('page error: ' + e);
  }
})();
</script>`;

const WORKER = `
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('push', (event) => {
  const text = event.data ? event.data.text() : '';
  event.waitUntil(Promise.all([
    fetch('/received', { method: 'POST', body: text }),
    self.registration.showNotification('Herald', { body: text }).catch(() => undefined),
  ]));
});
`;

export interface PushPage {
  origin: string;
  /** Subscriptions the page reported, in order. */
  subscriptions: Array<{ endpoint: string; keys: { p256dh: string; auth: string } }>;
  received: string[];
  logs: string[];
  /** Resolves when `count` subscriptions (or a received text) have been reported. */
  waitForSubscription(count: number, timeoutMs: number): Promise<void>;
  waitForReceived(text: string, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

function bodyOf(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString()));
    req.on('end', () => resolve(s));
  });
}

export async function startPushPage(applicationServerKey: string): Promise<PushPage> {
  const waiters: Array<() => boolean> = [];
  const check = () => {
    for (const w of [...waiters]) if (w()) waiters.splice(waiters.indexOf(w), 1);
  };
  const page: Omit<PushPage, 'origin' | 'close'> & { origin?: string } = {
    subscriptions: [],
    received: [],
    logs: [],
    waitForSubscription: (count, timeoutMs) =>
      wait(() => page.subscriptions.length >= count, `subscription #${count}`, timeoutMs),
    waitForReceived: (text, timeoutMs) =>
      wait(() => page.received.includes(text), `push "${text}"`, timeoutMs),
  };
  const wait = (done: () => boolean, what: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (done()) return resolve();
      const timer = setTimeout(
        () => reject(new Error(`no ${what} within ${timeoutMs} ms; page log: ${page.logs}`)),
        timeoutMs,
      );
      waiters.push(() => {
        if (!done()) return false;
        clearTimeout(timer);
        resolve();
        return true;
      });
    });
  const server: Server = createServer((req, res) => {
    page.logs.push(`${req.method} ${req.url}`);
    void (async () => {
      if (req.method === 'GET' && req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE(applicationServerKey));
      } else if (req.method === 'GET' && req.url === '/sw.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(WORKER);
      } else if (req.method === 'POST' && req.url === '/subscription') {
        page.subscriptions.push(JSON.parse(await bodyOf(req)));
        res.writeHead(204).end();
      } else if (req.method === 'POST' && req.url === '/received') {
        page.received.push(await bodyOf(req));
        res.writeHead(204).end();
      } else if (req.method === 'POST' && req.url === '/log') {
        page.logs.push(await bodyOf(req));
        res.writeHead(204).end();
      } else {
        res.writeHead(404).end();
      }
      check();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return Object.assign(page, {
    origin: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  }) as PushPage;
}
