import { createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy in front of Redis that counts the commands its clients send (parsing RESP arrays
 * on the client → server direction). Put between the ingress and Redis, it gives the exact number
 * of top-level commands — round trips — per PUT, which INFO commandstats cannot tell apart from
 * the commands Lua scripts run inside Redis.
 */
export class RespCounter {
  readonly counts = new Map<string, number>();
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly redisHost: string,
    private readonly redisPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => this.pipe(client));
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    const a = this.server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  reset(): void {
    this.counts.clear();
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  private pipe(client: Socket): void {
    const upstream = createConnection({ host: this.redisHost, port: this.redisPort });
    this.sockets.add(client).add(upstream);
    let pending: Buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      pending = this.consume(pending);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }

  /** Counts every complete command in buf; returns the incomplete tail. */
  private consume(buf: Buffer): Buffer {
    let off = 0;
    for (;;) {
      const parsed = parseCommand(buf, off);
      if (!parsed) return buf.subarray(off);
      off = parsed.next;
      this.counts.set(parsed.name, (this.counts.get(parsed.name) ?? 0) + 1);
    }
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

function readLine(buf: Buffer, off: number): { line: string; next: number } | null {
  const eol = buf.indexOf('\r\n', off);
  if (eol < 0) return null;
  return { line: buf.toString('latin1', off, eol), next: eol + 2 };
}

/** One RESP array command at `off`: its (lower-case) name and where the next one starts. */
function parseCommand(buf: Buffer, off: number): { name: string; next: number } | null {
  const head = readLine(buf, off);
  if (!head) return null;
  if (head.line[0] !== '*') return { name: head.line.split(' ')[0].toLowerCase(), next: head.next };
  const n = Number(head.line.slice(1));
  let pos = head.next;
  let name = '';
  for (let i = 0; i < n; i++) {
    const len = readLine(buf, pos);
    if (!len) return null;
    const size = Number(len.line.slice(1));
    if (buf.length < len.next + size + 2) return null;
    if (i === 0) name = buf.toString('latin1', len.next, len.next + size).toLowerCase();
    pos = len.next + size + 2;
  }
  return { name, next: pos };
}
