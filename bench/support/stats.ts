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

/** Microseconds since the epoch: comparable across processes of one machine. */
export function nowUs(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
