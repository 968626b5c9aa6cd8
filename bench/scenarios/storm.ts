import type { AwaitResult, FailureCounts, PutAllResult, ReconnectPolicy } from '../load/protocol';
import { ClientFleet } from '../support/client-fleet';
import { startCluster } from '../support/cluster';
import { forkLoad, stopAll } from '../support/fleet';
import { delta, tcpExt } from '../support/machine';
import { fdLimit, openFiles } from '../support/processes';
import { sleep, sumCounts } from '../support/stats';

export interface StormResult {
  gateways: number;
  /** Clients on the gateway that is killed. */
  clientsPerGateway: number;
  /** Clients on each of the two survivors before the storm. */
  clientsPerSurvivor: number;
  connected: number;
  victims: number;
  pendingChannels: number;
  putStatuses: Record<string, number>;
  putSeconds: number;
  jitterMs: number;
  policy: ReconnectPolicy;
  reconnected: number;
  /** Clients not in by the deadline. */
  reconnectFailed: number;
  /** Failed attempts by cause (ECONNREFUSED, ECONNRESET, timeout, hello 503, ...). */
  failures: FailureCounts;
  attempts: number;
  retriedClients: number;
  maxAttempts: number;
  /** From the reconnect signal to the last hello answered. */
  allInSeconds: number;
  /** Since the reconnect began, when the hellos were answered: p50 / p90 / p99 / max (s). */
  helloAnsweredSeconds: [number, number, number, number];
  /** One successful attempt, connect to hello answer: p50 / p90 / p99 / max (ms). */
  attemptMs: [number, number, number, number];
  /** From the reconnect signal to the last expected version received (or the deadline). */
  resyncSeconds: number;
  /** From kill -9 to the last expected version (includes the PUTs made while disconnected). */
  killToResyncedSeconds: number;
  /** Versions not received by the deadline. */
  lost: number;
  /** Of those, on clients that did complete a hello (server-side loss if > 0). */
  lostOnConnected: number;
  /** Kernel TcpExt counter deltas over the reconnect (whole machine: other work counts too). */
  tcp: Record<string, number>;
  /** Open descriptors of each survivor after the storm, and the per-process cap. */
  survivorFds: number[];
  fdLimit: number;
}

/** A browser-like retry: 250 ms doubling to 4 s, equal jitter, for at most 30 s. */
export const STORM_POLICY: ReconnectPolicy = {
  baseMs: 250,
  capMs: 4_000,
  deadlineMs: 30_000,
  attemptTimeoutMs: 10_000,
};

/**
 * Three gateways; kill -9 the third; while its clients are offline every one of their channels
 * gets a new version; then they all reconnect (hello with uaid + channelIDs) to the two others,
 * each after a random delay of up to jitterMs, retrying like a browser until a deadline. Measured:
 * time until every client holds its latest versions, how many never arrive, and why attempts
 * failed.
 *
 * The survivors must have room for half the victims each: a process holds at most ~19,970
 * sockets (descriptor cap 20,000), so with 15,000 victims they start with at most ~12,000 each
 * (with 15,000 each, 5,048 victims found no descriptor left: bench/FINDINGS.md §3).
 */
export async function runStorm(
  victimCount: number,
  perSurvivor: number,
  jitterMs: number,
  log: (s: string) => void,
): Promise<StormResult> {
  const cluster = await startCluster({ gateways: 3, worker: true });
  let fleet: ClientFleet | null = null;
  let others: ClientFleet | null = null;
  const putters = forkLoad('putter', 2);
  try {
    // Survivors' clients (no endpoints needed) on load processes 0.., victims on the next ones.
    others = await ClientFleet.connect({
      urls: cluster.gatewayUrls.slice(0, 2),
      total: perSurvivor * 2,
      mode: 'simplepush',
      channels: 2,
      wantEndpoints: false,
      ack: true,
    });
    fleet = await ClientFleet.connect({
      urls: cluster.gatewayUrls.slice(2),
      total: victimCount,
      mode: 'simplepush',
      channels: 2,
      wantEndpoints: true,
      ack: true,
      // 15,000 devices are not one process: on one, its event loop (connect, handshake, hello)
      // was the storm's bottleneck at 100 % of a core while the survivors idled at half.
      processes: Math.max(2, Math.ceil(victimCount / 4_000)),
      firstIndex: others.procs.length,
    });
    log(
      `storm: ${others.connected + fleet.connected} clients connected (${others.failed + fleet.failed} failed) in ${others.ms + fleet.ms} ms`,
    );
    const victims = fleet.endpoints;
    const victimClients = fleet.connected;

    const tKill = Date.now();
    cluster.gateways[2].proc.kill('SIGKILL');
    await cluster.gateways[2].exited;
    // Wait until every victim saw its socket close.
    for (;;) {
      const closed = await Promise.all(
        fleet.procs.map((p) => p.ask<{ kind: 'ok'; closed?: number }>({ cmd: 'count-closed' })),
      );
      if (closed.reduce((s, c) => s + (c.closed ?? 0), 0) >= victimClients) break;
      await sleep(50);
    }
    // New versions for every channel of the offline clients (stored for later: 202).
    const all = victims.flat();
    await Promise.all(
      putters.map((p, i) =>
        p.ask({ cmd: 'endpoints', urls: all.filter((_, k) => k % 2 === i).map((e) => e[2]) }),
      ),
    );
    const tPut = Date.now();
    const puts = await Promise.all(
      putters.map((p) => p.ask<PutAllResult>({ cmd: 'put-all', concurrency: 64 })),
    );
    const putSeconds = (Date.now() - tPut) / 1000;
    const putStatuses: Record<string, number> = {};
    for (const r of puts)
      for (const [c, n] of Object.entries(r.statuses)) putStatuses[c] = (putStatuses[c] ?? 0) + n;
    const expectedVersion = new Map<string, string>();
    puts.forEach((r, i) => {
      const mine = all.filter((_, k) => k % 2 === i);
      mine.forEach((e, k) => expectedVersion.set(e[1], r.versions[k]));
    });
    log(`storm: ${all.length} versions PUT in ${putSeconds} s: ${JSON.stringify(putStatuses)}`);

    const survivors = cluster.gatewayUrls.slice(0, 2);
    const tcp0 = tcpExt();
    const tReconnect = Date.now();
    await Promise.all(
      fleet.procs.map((p) =>
        p.ask({ cmd: 'reconnect', urls: survivors, jitterMs, ...STORM_POLICY }),
      ),
    );
    const waits = await Promise.all(
      fleet.procs.map((p, i) =>
        p.ask<AwaitResult>({
          cmd: 'await',
          expected: victims[i].map((e) => [e[1], expectedVersion.get(e[1]) as string]),
          timeoutMs: STORM_POLICY.deadlineMs - (Date.now() - tReconnect),
        }),
      ),
    );
    const tcp = delta(tcp0, tcpExt());
    const survivorFds = cluster.gateways.slice(0, 2).map((g) => openFiles(g.pid));
    const lastAt = Math.max(...waits.map((w) => w.lastAt));
    const failures = sumCounts(waits.map((w) => w.failures));
    const result: StormResult = {
      gateways: 3,
      clientsPerGateway: victimCount,
      clientsPerSurvivor: perSurvivor,
      connected: fleet.connected + others.connected,
      victims: victimClients,
      pendingChannels: all.length,
      putStatuses,
      putSeconds,
      jitterMs,
      policy: STORM_POLICY,
      reconnected: waits.reduce((s, w) => s + w.reconnected, 0),
      reconnectFailed: waits.reduce((s, w) => s + w.reconnectFailed, 0),
      failures,
      attempts: waits.reduce((s, w) => s + w.attempts, 0),
      retriedClients: waits.reduce((s, w) => s + w.retriedClients, 0),
      maxAttempts: Math.max(...waits.map((w) => w.maxAttempts)),
      allInSeconds: (Math.max(...waits.map((w) => w.lastHelloAt)) - tReconnect) / 1000,
      helloAnsweredSeconds: spread(
        waits.flatMap((w) => w.helloAts.map((t) => (t - tReconnect) / 1000)),
      ),
      attemptMs: spread(waits.flatMap((w) => w.helloTookMs)),
      resyncSeconds: (lastAt - tReconnect) / 1000,
      killToResyncedSeconds: (lastAt - tKill) / 1000,
      lost: waits.reduce((s, w) => s + w.missing, 0),
      lostOnConnected: waits.reduce((s, w) => s + w.missingOnConnected, 0),
      tcp,
      survivorFds,
      fdLimit: fdLimit(cluster.gateways[0].pid),
    };
    log(`storm: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await fleet?.close();
    await others?.close();
    await Promise.all(putters.map((p) => p.ask({ cmd: 'close' }).catch(() => undefined)));
    await stopAll(putters);
    await cluster.stop();
  }
}

/** p50 / p90 / p99 / max of the values. */
function spread(values: number[]): [number, number, number, number] {
  const v = values.slice().sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.floor(q * v.length))] ?? 0;
  return [at(0.5), at(0.9), at(0.99), v[v.length - 1] ?? 0];
}
