import { randomUUID } from 'node:crypto';
import { putVersion, SimplePushClient } from '../support/simplepush-client';

/**
 * A fleet of SimplePush user agents that behave like real ones under faults: they ack every
 * notification, reconnect with jittered backoff to whichever gateway answers, resync with their
 * UAID and channel list, and — when told a new UAID (the server lost their state) — re-register
 * their channels and report the new endpoints. A checker compares what each channel received with
 * what the application server got accepted.
 */
export interface ChannelState {
  /** Logical channel name, stable across re-registrations. */
  name: string;
  channelID: string;
  endpoint: string;
  /** Highest version the ingress accepted (200/202) for the current endpoint. */
  accepted: bigint;
  /** Highest version the client received. */
  received: bigint;
  /** Versions received, with their counts (duplicates are allowed and counted). */
  seen: Map<string, number>;
}

export class FleetUser {
  client: SimplePushClient | null = null;
  uaid = '';
  readonly channels: ChannelState[] = [];
  reregistrations = 0;
  reconnects = 0;
  private stopped = false;

  constructor(
    private readonly gateways: () => string[],
    private readonly channelCount: number,
  ) {}

  async start(): Promise<void> {
    await this.connect(true);
  }

  private async connect(first = false): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      const urls = this.gateways();
      const url = urls[(attempt + Math.floor(Math.random() * urls.length)) % urls.length];
      try {
        const c = await SimplePushClient.connect(url);
        c.ws.on('message', (d) => this.onFrame(c, d.toString()));
        const reply = await c.hello(
          this.uaid,
          this.channels.map((ch) => ch.channelID),
        );
        if (reply.status !== 200) throw new Error(`hello ${String(reply.status)}`);
        this.client = c;
        if (first || reply.uaid !== this.uaid) await this.registerAll(first);
        this.uaid = c.uaid;
        void c.closed.then(() => {
          if (this.client === c) this.client = null;
          if (!this.stopped) {
            this.reconnects++;
            void this.connect();
          }
        });
        return;
      } catch {
        await new Promise((r) =>
          setTimeout(r, Math.min(1000, 50 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random())),
        );
      }
    }
  }

  /** First registration, or re-registration after the server forgot this UA. */
  private async registerAll(first: boolean): Promise<void> {
    const c = this.client as SimplePushClient;
    if (first) {
      for (let i = 0; i < this.channelCount; i++) {
        const reg = await c.register(randomUUID());
        this.channels.push({
          name: `ch${i}`,
          channelID: reg.channelID,
          endpoint: reg.pushEndpoint,
          accepted: -1n,
          received: -1n,
          seen: new Map(),
        });
      }
      return;
    }
    this.reregistrations++;
    for (const ch of this.channels) {
      const reg = await c.register(randomUUID());
      ch.channelID = reg.channelID;
      ch.endpoint = reg.pushEndpoint;
      ch.accepted = -1n;
      ch.received = -1n;
    }
  }

  private onFrame(c: SimplePushClient, text: string): void {
    const f = JSON.parse(text.replace(/("version":)(\d+)/g, '$1"$2"')) as {
      messageType?: string;
      updates?: Array<{ channelID: string; version: string }>;
    };
    if (f.messageType !== 'notification' || !f.updates) return;
    for (const u of f.updates) {
      const ch = this.channels.find((x) => x.channelID === u.channelID);
      if (!ch) continue;
      ch.seen.set(u.version, (ch.seen.get(u.version) ?? 0) + 1);
      const v = BigInt(u.version);
      if (v > ch.received) ch.received = v;
    }
    c.ack(f.updates);
  }

  stop(): void {
    this.stopped = true;
    this.client?.close();
  }
}

export interface Tally {
  accepted: number;
  refused: number;
  delivered: number;
  duplicates: number;
  lost: number;
  reregistered: number;
}

/** The application server: PUTs increasing versions to random channels until stopped. */
export class Pusher {
  private version = BigInt(Date.now()) * 1000n;
  private running = false;
  private loops: Promise<void>[] = [];
  accepted = 0;
  refused = 0;

  constructor(private readonly users: FleetUser[]) {}

  start(concurrency = 4): void {
    this.running = true;
    this.loops = Array.from({ length: concurrency }, () => this.loop());
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const user = this.users[Math.floor(Math.random() * this.users.length)];
      const ch = user.channels[Math.floor(Math.random() * user.channels.length)];
      if (!ch) continue;
      const endpoint = ch.endpoint;
      const v = ++this.version;
      try {
        const r = await putVersion(endpoint, v.toString());
        // Count it only if the channel still has that endpoint (not re-registered meanwhile).
        if ((r.status === 200 || r.status === 202) && ch.endpoint === endpoint) {
          this.accepted++;
          if (v > ch.accepted) ch.accepted = v;
        } else {
          this.refused++;
        }
      } catch {
        this.refused++; // ingress down: the application server retries later
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

/** Channels whose latest accepted version has not reached their client (yet). */
export function behindChannels(
  users: FleetUser[],
): Array<{ user: FleetUser; channel: ChannelState }> {
  return users.flatMap((user) =>
    user.channels
      .filter((ch) => ch.accepted >= 0n && ch.received < ch.accepted)
      .map((channel) => ({ user, channel })),
  );
}

/** Waits until every channel received its latest accepted version (or the deadline), then tallies. */
export async function settle(
  users: FleetUser[],
  deadlineMs: number,
  pusher: Pusher,
): Promise<Tally> {
  const deadline = Date.now() + deadlineMs;
  const behind = () => behindChannels(users).map((b) => b.channel);
  while (behind().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const all = users.flatMap((u) => u.channels);
  return {
    accepted: pusher.accepted,
    refused: pusher.refused,
    delivered: all.reduce((n, ch) => n + [...ch.seen.values()].reduce((a, b) => a + b, 0), 0),
    duplicates: all.reduce(
      (n, ch) => n + [...ch.seen.values()].reduce((a, b) => a + (b - 1), 0),
      0,
    ),
    lost: behind().length,
    reregistered: users.filter((u) => u.reregistrations > 0).length,
  };
}
