import type { ClientMode, ConnectResult, StatsResult } from '../load/protocol';
import { forkLoad, LoadProcess, stopAll } from './fleet';

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

/** Clients spread over several load processes, each its own range of source addresses. */
export class ClientFleet {
  private constructor(
    readonly procs: LoadProcess[],
    /** Per process: [url index, channelID, endpoint]. */
    readonly endpoints: Array<Array<[number, string, string]>>,
    readonly connected: number,
    readonly failed: number,
    readonly ms: number,
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
      results.reduce((s, r) => s + (r.connected ?? 0), 0),
      results.reduce((s, r) => s + (r.failed ?? 0), 0),
      Date.now() - t0,
    );
  }

  allEndpoints(): Array<[number, string, string]> {
    return this.endpoints.flat();
  }

  /** Notifications received (and latency samples of versions sent after sinceUs) since last call. */
  async stats(sinceUs = 0): Promise<{ received: number; latenciesUs: number[]; closed: number }> {
    const all = await Promise.all(
      this.procs.map((p) => p.ask<StatsResult>({ cmd: 'stats', sinceUs })),
    );
    const latenciesUs: number[] = [];
    for (const r of all) for (const l of r.latenciesUs) latenciesUs.push(l);
    return {
      received: all.reduce((s, r) => s + r.received, 0),
      latenciesUs,
      closed: all.reduce((s, r) => s + r.closed, 0),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.ask({ cmd: 'close' }).catch(() => undefined)));
    await stopAll(this.procs);
  }
}
