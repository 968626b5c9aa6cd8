import type { ClientMode, ConnectResult, FailureCounts, StatsResult } from '../load/protocol';
import type { BenchSubscription, OpenFailure } from '../load/webpush-message';
import { forkLoad, LoadProcess, stopAll } from './fleet';
import { sumCounts } from './stats';

/** Sockets a load process holds at most (the descriptor cap is 20,000 per process). */
export const PER_PROCESS = 15_000;

export interface FleetOptions {
  urls: string[];
  total: number;
  mode: ClientMode;
  channels: number;
  wantEndpoints: boolean;
  ack: boolean;
  /** Load processes to use (default: total / PER_PROCESS, rounded up). */
  processes?: number;
  firstIndex?: number;
  concurrency?: number;
}

export interface FleetStats {
  received: number;
  latenciesUs: number[];
  closed: number;
  /** Web Push, flat: [putter, seq, µs when decrypted] per message. */
  arrivals: number[];
  openFailures: Partial<Record<OpenFailure, number>>;
  /** Web Push: CPU µs spent decrypting and checking, summed over the client processes. */
  openUs: number;
}

/** Clients spread over several load processes, each its own range of source addresses. */
export class ClientFleet {
  private constructor(
    readonly procs: LoadProcess[],
    /** Per process: [url index, channelID, endpoint]. */
    readonly endpoints: Array<Array<[number, string, string]>>,
    /** Web Push: every subscription's public keys (what an application server stores). */
    readonly subscriptions: BenchSubscription[],
    readonly connected: number,
    readonly failed: number,
    readonly ms: number,
    /** Why the failed clients failed, summed over the load processes. */
    readonly failures: FailureCounts = {},
  ) {}

  static async connect(o: FleetOptions): Promise<ClientFleet> {
    const n = o.processes ?? Math.max(1, Math.ceil(o.total / PER_PROCESS));
    const procs = forkLoad('clients', n, o.firstIndex ?? 0);
    const t0 = Date.now();
    const results = await Promise.all(
      procs.map((p, i) => {
        const count = Math.floor(o.total / n) + (i < o.total % n ? 1 : 0);
        // Rotate the URL list so each process spreads its clients over every target.
        return p.ask<ConnectResult>({
          cmd: 'connect',
          urls: o.urls,
          count,
          mode: o.mode,
          channels: o.channels,
          wantEndpoints: o.wantEndpoints,
          ack: o.ack,
          concurrency: o.concurrency ?? 100,
        });
      }),
    );
    return new ClientFleet(
      procs,
      results.map((r) => r.endpoints ?? []),
      results.flatMap((r) => r.subscriptions ?? []),
      results.reduce((s, r) => s + (r.connected ?? 0), 0),
      results.reduce((s, r) => s + (r.failed ?? 0), 0),
      Date.now() - t0,
      sumCounts(results.map((r) => r.failures ?? {})),
    );
  }

  allEndpoints(): Array<[number, string, string]> {
    return this.endpoints.flat();
  }

  /**
   * Notifications received (and latency samples of versions sent after sinceUs) since last call;
   * for Web Push, the messages decrypted (`received`), when each arrived, and the failures.
   */
  async stats(sinceUs = 0): Promise<FleetStats> {
    const all = await Promise.all(
      this.procs.map((p) => p.ask<StatsResult>({ cmd: 'stats', sinceUs })),
    );
    const latenciesUs: number[] = [];
    for (const r of all) for (const l of r.latenciesUs) latenciesUs.push(l);
    const arrivals: number[] = [];
    for (const r of all) for (const a of r.arrivals ?? []) arrivals.push(a);
    const openFailures: Partial<Record<OpenFailure, number>> = {};
    for (const r of all)
      for (const [k, n] of Object.entries(r.openFailures ?? {}) as Array<[OpenFailure, number]>)
        openFailures[k] = (openFailures[k] ?? 0) + n;
    return {
      received: all.reduce((s, r) => s + r.received, 0),
      latenciesUs,
      closed: all.reduce((s, r) => s + r.closed, 0),
      arrivals,
      openFailures,
      openUs: all.reduce((s, r) => s + (r.openUs ?? 0), 0),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.ask({ cmd: 'close' }).catch(() => undefined)));
    await stopAll(this.procs);
  }
}
