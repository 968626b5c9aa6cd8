/** Latency samples in microseconds; percentiles by sorting (sample counts stay in the 100k range). */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export function summarise(samplesUs: number[]): LatencySummary {
  const s = Float64Array.from(samplesUs).sort();
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    count: s.length,
    p50Ms: ms(percentile(s, 50)),
    p99Ms: ms(percentile(s, 99)),
    p999Ms: ms(percentile(s, 99.9)),
    maxMs: ms(s.length ? s[s.length - 1] : NaN),
  };
}

/**
 * A microsecond clock that every process of one machine reads alike: CLOCK_MONOTONIC (the same
 * for all processes), offset so its values look like the µs timestamps senders use as versions
 * (16 digits). Not `performance.timeOrigin + now()`: each process fixes its timeOrigin from the
 * wall clock at its start, and on this VM the wall clock drifts against the monotonic one, so load
 * processes started minutes apart disagreed by milliseconds (negative latencies voided a run).
 */
export function nowUs(): number {
  return MONOTONIC_BASE_US + Number(process.hrtime.bigint() / 1000n);
}

const MONOTONIC_BASE_US = 1_700_000_000_000_000;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Counts by key (failure causes, statuses) summed over several reports. */
export function sumCounts(all: Array<Record<string, number>>): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const counts of all) for (const [k, n] of Object.entries(counts)) sum[k] = (sum[k] ?? 0) + n;
  return sum;
}
