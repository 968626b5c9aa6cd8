import { Logger, MetricsListener, startMetricsListener } from '@herald/observability';

/**
 * One metrics listener per process, however many roles it runs: the all-in-one process's three
 * roles share prom-client's registry, so they share its listener too. The first role to start
 * opens it, the last to stop closes it.
 */
let shared: { listener: Promise<MetricsListener>; users: number } | null = null;

export interface MetricsLease {
  port: number;
  release(): Promise<void>;
}

export async function leaseMetricsListener(
  port: number,
  host: string,
  log: Logger,
): Promise<MetricsLease> {
  if (!shared) {
    const listener = startMetricsListener(port, host);
    shared = { listener, users: 0 };
    listener.then(
      (l) => log.info({ port: l.port }, 'metrics listening'),
      () => (shared = null),
    );
  }
  const entry = shared;
  const listener = await entry.listener;
  entry.users++;
  let released = false;
  return {
    port: listener.port,
    release: async () => {
      if (released) return;
      released = true;
      if (--entry.users > 0) return;
      if (shared === entry) shared = null;
      await listener.close();
    },
  };
}
