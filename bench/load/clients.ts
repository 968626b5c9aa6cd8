import { io, Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { nowUs } from '../support/stats';
import type {
  ChildReply,
  ClientMode,
  ConnectCommand,
  FailureCounts,
  ParentCommand,
  ReconnectPolicy,
} from './protocol';
import {
  BenchSubscription,
  newSecret,
  open as openMessage,
  OpenFailure,
  subscriptionOf,
  SubscriptionSecret,
} from './webpush-message';

/**
 * A load-generator process holding many WebSocket clients (≤ ~19k: the per-process descriptor
 * cap). Each socket binds its own loopback source address (127.<proc>.x.y) so the ephemeral port
 * range is never exhausted. SimplePush clients ack every notification and record its latency from
 * the version, which the PUT generator set to its send time in microseconds. Web Push clients hold
 * a key pair and auth secret per subscription, decrypt every message and check its plaintext
 * before counting it; they report which message arrived when, and the orchestrator joins that
 * with the putters' POST times.
 */
const procIndex = Number(process.argv[2] ?? 0);

interface Client {
  ws: WebSocket | null;
  /** The Socket.IO peer's client instead of `ws` (mode 'socketio'). */
  sio: Socket | null;
  urlIndex: number;
  uaid: string;
  chids: string[];
  versions: Map<string, string>;
  ip: string;
  closed: boolean;
  /** hello answered 200 on the current socket. */
  ready: boolean;
  /** Set while add-channels waits for register replies. */
  onRegister: ((frame: Record<string, unknown>) => void) | null;
}

const clients: Client[] = [];
let ackEnabled = true;
let received = 0;
let latencies: number[] = [];
let statsSinceUs = 0;
const versionOwner = new Map<string, Client>();
/** Web Push: each subscription's private half, by channelID. */
const secrets = new Map<string, SubscriptionSecret>();
let arrivals: number[] = [];
let openFailures: Partial<Record<OpenFailure, number>> = {};
let openUs = 0;
let awaiting: {
  expected: Map<string, string>;
  left: number;
  lastAt: number;
  done: () => void;
} | null = null;
let reconnectFailed = 0;
let failures: FailureCounts = {};
let attempts = 0;
let retriedClients = 0;
let maxAttempts = 0;
let lastHelloAt = 0;
/** Storm: when each revived client's hello was answered, and how long its successful attempt took (ms). */
let helloAts: number[] = [];
let helloTookMs: number[] = [];

function reply(m: ChildReply): void {
  process.send?.(m);
}

function localAddress(i: number): string {
  return `127.${10 + procIndex}.${1 + Math.floor(i / 200)}.${1 + (i % 200)}`;
}

/**
 * Web Push: one message per frame, counted once decrypted and its plaintext checked; acked 100,
 * or 101 (decryption error) when it fails.
 */
function onWebPush(c: Client, frame: { channelID: string; version: string; data?: string }): void {
  // CPU, not wall time: on a saturated box the process is often descheduled mid-decrypt.
  const cpu0 = process.cpuUsage();
  const secret = secrets.get(frame.channelID);
  const id = secret ? openMessage(secret, frame.channelID, frame.data) : 'decrypt';
  const now = nowUs();
  const cpu = process.cpuUsage(cpu0);
  openUs += cpu.user + cpu.system;
  if (typeof id === 'string') openFailures[id] = (openFailures[id] ?? 0) + 1;
  else {
    received++;
    arrivals.push(id.putter, id.seq, now);
  }
  if (ackEnabled && c.ws && c.ws.readyState === WebSocket.OPEN) {
    c.ws.send(
      JSON.stringify({
        messageType: 'ack',
        updates: [
          {
            channelID: frame.channelID,
            version: frame.version,
            code: typeof id === 'string' ? 101 : 100,
          },
        ],
      }),
    );
  }
}

function onNotification(
  c: Client,
  frame: { updates?: Array<{ channelID: string; version: number | string }> },
): void {
  const now = nowUs();
  const updates = frame.updates ?? [];
  for (const u of updates) {
    const v = String(u.version);
    received++;
    const sent = Number(v);
    if (sent >= statsSinceUs && sent > 1e15) latencies.push(now - sent);
    const have = c.versions.get(u.channelID);
    if (have === undefined || BigInt(v) > BigInt(have)) c.versions.set(u.channelID, v);
    if (awaiting) {
      const want = awaiting.expected.get(u.channelID);
      if (want !== undefined && BigInt(v) >= BigInt(want)) {
        awaiting.expected.delete(u.channelID);
        awaiting.lastAt = Date.now();
        if (--awaiting.left === 0) awaiting.done();
      }
    }
  }
  if (ackEnabled && c.ws && c.ws.readyState === WebSocket.OPEN) {
    c.ws.send(
      JSON.stringify({
        messageType: 'ack',
        updates: updates.map((u) => ({ channelID: u.channelID, version: u.version })),
      }),
    );
  }
}

/**
 * Opens one socket; for SimplePush, runs hello (+ registers) and resolves when done: null on
 * success, else why it failed (see FailureCounts). timeoutMs bounds the whole attempt.
 */
function open(
  c: Client,
  url: string,
  mode: ClientMode,
  channels: number,
  endpoints: Array<[number, string, string]> | null,
  timeoutMs = 60_000,
): Promise<string | null> {
  if (mode === 'socketio') return openSocketIo(c, url, endpoints, timeoutMs);
  return new Promise((resolve) => {
    const ws = new WebSocket(url, mode === 'raw' ? undefined : ['push-notification'], {
      localAddress: c.ip,
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
    });
    c.ws = ws;
    c.closed = false;
    c.ready = false;
    let settled = false;
    const timer = setTimeout(() => {
      settle('timeout');
      ws.terminate();
    }, timeoutMs);
    const settle = (cause: string | null) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(cause);
      }
    };
    let pendingRegs = 0;
    ws.on('unexpected-response', (_req, res) => {
      settle(`http ${res.statusCode}`);
      ws.terminate();
    });
    ws.on('error', (err: NodeJS.ErrnoException) => {
      const m = /Opening handshake has timed out/.test(err.message) ? 'timeout' : null;
      settle(err.code ?? m ?? err.message.slice(0, 40));
    });
    ws.on('close', (code) => {
      // A failed attempt's socket may close after the next attempt opened c.ws.
      if (c.ws === ws) {
        c.closed = true;
        c.ready = false;
      }
      settle(`close ${code}`);
    });
    ws.on('open', () => {
      if (mode === 'raw') return settle(null);
      const resuming = c.uaid !== '';
      ws.send(
        JSON.stringify(
          mode === 'webpush'
            ? { messageType: 'hello', uaid: c.uaid, use_webpush: true }
            : { messageType: 'hello', uaid: c.uaid, channelIDs: resuming ? c.chids : [] },
        ),
      );
    });
    ws.on('message', (data) => {
      const text = data.toString();
      if (text === '{}') return;
      const frame = JSON.parse(text) as Record<string, unknown>;
      switch (frame.messageType) {
        case 'notification':
          if (typeof frame.channelID === 'string') onWebPush(c, frame as never);
          else onNotification(c, frame as never);
          return;
        case 'hello':
          if (frame.status !== 200) return settle(`hello ${String(frame.status)}`);
          if (c.uaid && c.uaid !== frame.uaid) return settle('hello new uaid');
          c.uaid = frame.uaid as string;
          c.ready = true;
          if (c.chids.length) return settle(null);
          for (let k = 0; k < channels; k++) {
            const chid = crypto.randomUUID();
            c.chids.push(chid);
            pendingRegs++;
            ws.send(JSON.stringify({ messageType: 'register', channelID: chid }));
          }
          if (!channels) settle(null);
          return;
        case 'register':
          if (c.onRegister) return c.onRegister(frame);
          if (frame.status !== 200) return settle(`register ${String(frame.status)}`);
          if (mode === 'webpush') secrets.set(frame.channelID as string, newSecret());
          endpoints?.push([c.urlIndex, frame.channelID as string, frame.pushEndpoint as string]);
          if (--pendingRegs === 0) settle(null);
          return;
      }
    });
  });
}

/**
 * A client of the Socket.IO peer: WebSocket transport only, from the client's own source address,
 * its channel id in the handshake (the node joins it to that room and answers with the endpoint).
 * Notifications are counted and timed like SimplePush ones; the peer has no acks.
 */
function openSocketIo(
  c: Client,
  url: string,
  endpoints: Array<[number, string, string]> | null,
  timeoutMs: number,
): Promise<string | null> {
  return new Promise((resolve) => {
    const chid = crypto.randomUUID();
    const sio = io(url, {
      transports: ['websocket'],
      auth: { channelID: chid },
      reconnection: false,
      forceNew: true,
      timeout: timeoutMs,
      // Passed through to the `ws` client by engine.io-client.
      ...({ localAddress: c.ip, perMessageDeflate: false } as object),
    });
    c.sio = sio;
    c.closed = false;
    c.ready = false;
    let settled = false;
    const settle = (cause: string | null) => {
      if (!settled) {
        settled = true;
        resolve(cause);
      }
    };
    sio.on('connect_error', (err: Error) => settle(`connect_error ${err.message.slice(0, 30)}`));
    sio.on('disconnect', (reason: string) => {
      c.closed = true;
      c.ready = false;
      settle(`disconnect ${reason}`);
    });
    sio.on('registered', (endpoint: string) => {
      c.chids.push(chid);
      c.ready = true;
      endpoints?.push([c.urlIndex, chid, endpoint]);
      settle(null);
    });
    sio.on('notification', (u: { channelID: string; version: number }) => {
      const now = nowUs();
      received++;
      if (u.version >= statsSinceUs && u.version > 1e15) latencies.push(now - u.version);
    });
  });
}

/** Registers `n` more channels on an open client; resolves with how many were accepted. */
function addChannels(
  c: Client,
  n: number,
  endpoints: Array<[number, string, string]> | null,
): Promise<number> {
  return new Promise((resolve) => {
    const ws = c.ws;
    if (!ws || !c.ready || ws.readyState !== WebSocket.OPEN) return resolve(0);
    let left = n;
    let ok = 0;
    c.onRegister = (frame) => {
      if (frame.status === 200) {
        ok++;
        const chid = frame.channelID as string;
        c.chids.push(chid);
        versionOwner.set(chid, c);
        endpoints?.push([c.urlIndex, chid, frame.pushEndpoint as string]);
      }
      if (--left === 0) {
        c.onRegister = null;
        resolve(ok);
      }
    };
    for (let k = 0; k < n; k++)
      ws.send(JSON.stringify({ messageType: 'register', channelID: crypto.randomUUID() }));
  });
}

async function connect(cmd: ConnectCommand): Promise<void> {
  const t0 = Date.now();
  ackEnabled = cmd.ack;
  const endpoints: Array<[number, string, string]> | null = cmd.wantEndpoints ? [] : null;
  let next = 0;
  let connected = 0;
  let failed = 0;
  const causes: FailureCounts = {};
  const worker = async () => {
    while (next < cmd.count) {
      const i = next++;
      const urlIndex = (clients.length + i) % cmd.urls.length;
      const c: Client = {
        ws: null,
        sio: null,
        urlIndex,
        uaid: '',
        chids: [],
        versions: new Map(),
        ip: localAddress(clients.length + i),
        closed: false,
        ready: false,
        onRegister: null,
      };
      const cause = await open(c, cmd.urls[urlIndex], cmd.mode, cmd.channels, endpoints);
      if (cause === null) {
        connected++;
        clientsAdded.push(c);
        for (const ch of c.chids) versionOwner.set(ch, c);
      } else {
        failed++;
        causes[cause] = (causes[cause] ?? 0) + 1;
        c.ws?.terminate();
        c.sio?.disconnect();
      }
    }
  };
  const clientsAdded: Client[] = [];
  await Promise.all(Array.from({ length: Math.min(cmd.concurrency, cmd.count) }, worker));
  clients.push(...clientsAdded);
  const subscriptions: BenchSubscription[] | undefined =
    cmd.mode === 'webpush' && endpoints
      ? endpoints.flatMap(([, chid, endpoint]) => {
          const secret = secrets.get(chid);
          return secret ? [subscriptionOf(chid, endpoint, secret)] : [];
        })
      : undefined;
  reply({
    kind: 'connected',
    connected,
    failed,
    failures: causes,
    endpoints: endpoints ?? [],
    subscriptions,
    ms: Date.now() - t0,
  });
}

let revived: Client[] = [];

/** Attempt n (from 0) of the backoff: half fixed, half random ("equal jitter"). */
function backoffMs(p: ReconnectPolicy, n: number): number {
  const d = Math.min(p.capMs, p.baseMs * 2 ** n);
  return d / 2 + Math.random() * (d / 2);
}

async function reconnect(urls: string[], jitterMs: number, p: ReconnectPolicy): Promise<void> {
  const dead = clients.filter((c) => c.closed);
  revived = dead;
  const deadline = Date.now() + p.deadlineMs;
  let k = 0;
  await Promise.all(
    dead.map(
      (c) =>
        new Promise<void>((resolve) => {
          // Each client starts on one survivor and moves to the next after a failure, as a UA
          // whose DNS name resolves to several nodes would.
          const first = k++;
          const attempt = (n: number) => {
            const left = deadline - Date.now();
            if (left <= 0) {
              reconnectFailed++;
              return resolve();
            }
            attempts++;
            const target = urls[(first + n) % urls.length];
            const startedAt = Date.now();
            void open(c, target, 'simplepush', 0, null, Math.min(p.attemptTimeoutMs, left)).then(
              (cause) => {
                if (cause === null) {
                  if (n > 0) retriedClients++;
                  maxAttempts = Math.max(maxAttempts, n + 1);
                  const now = Date.now();
                  lastHelloAt = Math.max(lastHelloAt, now);
                  helloAts.push(now);
                  helloTookMs.push(now - startedAt);
                  return resolve();
                }
                failures[cause] = (failures[cause] ?? 0) + 1;
                c.ws?.terminate();
                const wait = backoffMs(p, n);
                if (Date.now() + wait >= deadline) {
                  reconnectFailed++;
                  maxAttempts = Math.max(maxAttempts, n + 1);
                  return resolve();
                }
                setTimeout(() => attempt(n + 1), wait);
              },
            );
          };
          setTimeout(() => attempt(0), Math.random() * jitterMs);
        }),
    ),
  );
}

process.on('message', (m: ParentCommand) => {
  switch (m.cmd) {
    case 'connect':
      void connect(m).catch((e: Error) => reply({ kind: 'error', message: e.message }));
      return;
    case 'reset':
      received = 0;
      latencies = [];
      arrivals = [];
      openFailures = {};
      openUs = 0;
      reply({ kind: 'ok' });
      return;
    case 'stats': {
      statsSinceUs = m.sinceUs;
      const out: ChildReply = {
        kind: 'stats',
        received,
        latenciesUs: latencies,
        closed: clients.filter((c) => c.closed).length,
        ...(secrets.size ? { arrivals, openFailures, openUs: Math.round(openUs) } : {}),
      };
      received = 0;
      latencies = [];
      arrivals = [];
      openFailures = {};
      openUs = 0;
      reply(out);
      return;
    }
    case 'set-ack':
      ackEnabled = m.ack;
      reply({ kind: 'ok' });
      return;
    case 'count-closed':
      reply({ kind: 'ok', closed: clients.filter((c) => c.closed).length });
      return;
    case 'reconnect':
      reconnectFailed = 0;
      failures = {};
      attempts = 0;
      retriedClients = 0;
      maxAttempts = 0;
      lastHelloAt = 0;
      helloAts = [];
      helloTookMs = [];
      void reconnect(m.urls, m.jitterMs, m);
      reply({ kind: 'ok' });
      return;
    case 'add-channels': {
      const endpoints: Array<[number, string, string]> | null = m.wantEndpoints ? [] : null;
      void Promise.all(clients.map((c) => addChannels(c, m.channels, endpoints))).then((n) => {
        const added = n.reduce((a, b) => a + b, 0);
        reply({
          kind: 'add-channels',
          added,
          failed: clients.length * m.channels - added,
          endpoints: endpoints ?? [],
        });
      });
      return;
    }
    case 'await': {
      const expected = new Map<string, string>();
      for (const [chid, v] of m.expected) {
        const c = versionOwner.get(chid);
        const have = c?.versions.get(chid);
        if (have === undefined || BigInt(have) < BigInt(v)) expected.set(chid, v);
      }
      const finish = () => {
        const a = awaiting;
        awaiting = null;
        clearTimeout(timer);
        let missingOnConnected = 0;
        if (a)
          for (const chid of a.expected.keys())
            if (versionOwner.get(chid)?.ready) missingOnConnected++;
        reply({
          kind: 'await',
          missing: a ? a.left : 0,
          lastAt: a ? a.lastAt : Date.now(),
          reconnected: revived.filter((c) => c.ready).length,
          reconnectFailed,
          failures,
          attempts,
          retriedClients,
          maxAttempts,
          missingOnConnected,
          lastHelloAt,
          helloAts,
          helloTookMs,
        });
      };
      awaiting = { expected, left: expected.size, lastAt: Date.now(), done: finish };
      const timer = setTimeout(finish, m.timeoutMs);
      if (expected.size === 0) finish();
      return;
    }
    case 'close':
      for (const c of clients) {
        c.ws?.terminate();
        c.sio?.disconnect();
      }
      reply({ kind: 'ok' });
      setTimeout(() => process.exit(0), 50);
      return;
  }
});
process.on('disconnect', () => process.exit(0));
// exit() rather than dying of the signal: a --cpu-prof profile is written at exit.
process.on('SIGTERM', () => process.exit(0));
