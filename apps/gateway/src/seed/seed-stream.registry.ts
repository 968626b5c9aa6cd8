import type { ServerResponse } from 'node:http';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { Logger, metrics } from '@herald/observability';
import {
  MessageRepository,
  NodeMessage,
  RouteBus,
  SeedRepository,
  StoredMessage,
  UserRepository,
} from '@herald/storage';
import { keepAlive, multiLine, SeedStreamKind, textChunk } from '@herald/unifiedpush';
import { GATEWAY_LOGGER } from '../gateway.tokens';
import type { ClientHolder, HeldUser } from '../node/client-holder';
import { SeedStream } from './seed-stream';

const READ_BATCH = 100;
/** A reader this far behind is cut off (it reconnects and gets what is stored). */
const MAX_BUFFERED_BYTES = 1 << 20;
const SENT_KEYS_KEPT = 10_000;

/**
 * The streams of the seed's distributor protocol on this gateway. A stream is a client
 * connection that owns its ids: it takes their route in Redis (node + epoch, as a WebSocket hello
 * does) under this gateway's node id, so pushes reach it over the same pub/sub routing as the
 * gateway's WebSocket clients, from any ingress; it first writes what was stored meanwhile. A
 * message is deleted from the store once its bytes were handed to the socket. The node
 * membership (listen, heartbeat, repair, idle refresh) is the gateway's, shared with the
 * WebSockets ({@link ClientHolder}).
 */
@Injectable()
export class SeedStreamRegistry implements ClientHolder, OnModuleDestroy {
  private readonly byUaid = new Map<string, SeedStream>();

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
    private readonly bus: RouteBus,
    private readonly seeds: SeedRepository,
    private readonly users: UserRepository,
    private readonly messages: MessageRepository,
  ) {}

  private get nodeId(): string {
    return this.config.NODE_ID;
  }

  /** How many streams are open here. */
  get size(): number {
    return new Set(this.byUaid.values()).size;
  }

  touchDue(now: number, every: number): HeldUser[] {
    const due: HeldUser[] = [];
    for (const s of new Set(this.byUaid.values())) {
      for (const [uaid, own] of s.owned) {
        if (!own.epoch || now - own.touchedAt < every) continue;
        own.touchedAt = now;
        due.push({ uaid, gone: () => this.drop(s, uaid) });
      }
    }
    return due;
  }

  /**
   * Our subscription was down for a while: pushes in that gap reached nobody and wait in the
   * store while the streams are still open here. Take each id's route back (unless a newer
   * stream took it) and write what is stored.
   */
  async repair(): Promise<number> {
    let repaired = 0;
    for (const s of new Set(this.byUaid.values())) {
      for (const [uaid, own] of [...s.owned]) {
        if (s.closed || !own.epoch || s.early) continue;
        if ((await this.users.reclaimRoute(uaid, this.nodeId, own.epoch)) === null) {
          this.drop(s, uaid);
          continue;
        }
        await this.drainStored(s, uaid);
        repaired++;
      }
    }
    return repaired;
  }

  /**
   * Redis lost its data. Streams are left open as they were on the ingress: their ids answer 404
   * once the distributor reconnects, and it registers again.
   */
  stateLost(): number {
    return 0;
  }

  /**
   * Opens a stream for ids already decoded (uaid per id). Resolves to 'unknown' (nothing written)
   * when one of them is not a seed id, else once the stored messages were written.
   */
  async open(
    kind: SeedStreamKind,
    ids: Array<{ id: string; uaid: string }>,
    raw: ServerResponse,
  ): Promise<'unknown' | 'open'> {
    const s = new SeedStream(kind, raw, ids);
    // Listed before the claims, so a push routed here right after a claim finds the stream.
    for (const uaid of s.owned.keys()) {
      const older = this.byUaid.get(uaid);
      if (older) this.drop(older, uaid);
      this.byUaid.set(uaid, s);
    }
    raw.on('close', () => this.close(s));
    try {
      for (const [uaid, own] of s.owned) {
        const claim = await this.seeds.claim(uaid, this.nodeId);
        if (!claim) {
          this.close(s, false);
          return 'unknown';
        }
        own.epoch = claim.epoch;
        // The stream it replaces (the distributor reconnected elsewhere) is closed for this id.
        if (claim.previous && claim.previous.nodeId !== this.nodeId) {
          await this.bus.publish(claim.previous.nodeId, {
            t: 'kick',
            uaid,
            epoch: claim.previous.epoch,
          });
        }
      }
    } catch (err) {
      this.close(s, false);
      throw err;
    }
    if (s.closed) return 'open'; // the reader went away meanwhile
    raw.writeHead(200, {
      'Content-Type': kind === 'multi' ? 'application/json' : 'text/plain',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    raw.flushHeaders();
    metrics.seedStreamsOpen.inc();
    s.keepalive = setInterval(() => {
      if (!s.closed && Date.now() - s.lastWrite >= this.config.SEED_KEEPALIVE_MS) {
        this.write(s, keepAlive(kind));
      }
    }, this.config.SEED_KEEPALIVE_MS);
    s.keepalive.unref();

    for (const uaid of [...s.owned.keys()]) await this.drainStored(s, uaid);
    const early = s.early ?? [];
    s.early = null;
    for (const m of early) this.deliver(m);
    return 'open';
  }

  /** What was stored while nobody listened, oldest first. */
  private async drainStored(s: SeedStream, uaid: string): Promise<void> {
    let cursor = 0;
    for (;;) {
      if (s.closed || !s.owned.has(uaid)) return;
      const { messages } = await this.messages.read(uaid, cursor, READ_BATCH);
      for (const m of messages) cursor = Math.max(cursor, m.seq);
      this.send(s, uaid, messages, 'resync');
      if (messages.length < READ_BATCH) return;
    }
  }

  /** A message from the node channel; false when no stream here owns its UAID. */
  deliver(m: NodeMessage): boolean {
    const s = this.byUaid.get(m.uaid);
    if (!s) return false;
    if (s.closed) return true;
    if (s.early) {
      s.early.push(m);
      return true;
    }
    const own = s.owned.get(m.uaid);
    if (!own || own.epoch !== m.epoch) return true; // for an older stream of this id
    switch (m.t) {
      case 'push':
        if (this.send(s, m.uaid, [m.message], 'live')) {
          metrics.deliveryLatency.observe(Math.max(0, Date.now() - m.ts) / 1000);
        }
        return true;
      case 'repush':
        this.send(s, m.uaid, m.messages, 'redelivery');
        return true;
      case 'kick':
        this.drop(s, m.uaid);
        return true;
      default:
        return true;
    }
  }

  /** Writes messages of one id not yet written; each is deleted once handed to the socket. */
  private send(
    s: SeedStream,
    uaid: string,
    list: StoredMessage[],
    path: 'live' | 'resync' | 'redelivery',
  ): number {
    const own = s.owned.get(uaid);
    if (!own || s.closed) return 0;
    const now = Date.now();
    const fresh = list.filter((m) => !s.sent.has(m.key) && (m.ttl === 0 || now < m.exp));
    if (!fresh.length) return 0;
    if (s.sent.size > SENT_KEYS_KEPT) s.sent.clear();
    for (const m of fresh) s.sent.add(m.key);
    const bodies = fresh.map((m) => Buffer.from(m.data, 'base64url'));
    const out =
      s.kind === 'multi'
        ? multiLine(new Map([[own.id, bodies]]))
        : Buffer.concat(bodies.map(textChunk));
    this.write(s, out, (ok) => {
      if (!ok) return; // not handed over: it stays stored for the next stream
      for (const m of fresh) {
        this.messages
          .delete(uaid, m.key)
          .catch((err: Error) => this.log.warn({ err: err.message }, 'seed delete failed'));
      }
    });
    metrics.delivered.inc({ path }, fresh.length);
    return fresh.length;
  }

  private write(s: SeedStream, chunk: string | Buffer, done?: (ok: boolean) => void): void {
    if (s.closed) return done?.(false);
    s.lastWrite = Date.now();
    s.raw.write(chunk, (err) => done?.(!err));
    if (s.raw.writableLength > MAX_BUFFERED_BYTES) {
      this.log.warn('seed stream reader too slow; closing it');
      s.raw.destroy();
    }
  }

  /** This stream no longer owns `uaid` (another stream took it); it ends when it owns none. */
  private drop(s: SeedStream, uaid: string): void {
    s.owned.delete(uaid);
    if (this.byUaid.get(uaid) === s) this.byUaid.delete(uaid);
    if (!s.owned.size && !s.closed) s.raw.end();
  }

  /** `end`: false while the caller still answers the request itself (an error status). */
  private close(s: SeedStream, end = true): void {
    if (s.closed) return;
    s.closed = true;
    if (s.keepalive) {
      clearInterval(s.keepalive);
      metrics.seedStreamsOpen.dec();
    }
    for (const [uaid, own] of s.owned) {
      if (this.byUaid.get(uaid) !== s) continue;
      this.byUaid.delete(uaid);
      // Offline again: later pushes are stored without a publish that nobody would receive.
      if (own.epoch) {
        this.users
          .releaseRoute(uaid, this.nodeId, own.epoch)
          .catch((err: Error) => this.log.warn({ err: err.message }, 'seed route release failed'));
      }
    }
    if (end && !s.raw.writableEnded) s.raw.end();
  }

  /** Ends every stream (drain, shutdown): their distributors reconnect to another gateway. */
  closeAll(): void {
    for (const s of new Set(this.byUaid.values())) this.close(s);
  }

  onModuleDestroy(): void {
    this.closeAll();
  }
}
