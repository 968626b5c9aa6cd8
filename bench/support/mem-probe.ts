/**
 * Preloaded into a measured process (`node --expose-gc -r dist/bench/support/mem-probe.js ...`):
 * on SIGUSR2 it collects garbage and prints one `BENCH_MEM {json}` line to stderr, so the bench
 * reads RSS and heap after a full GC without any change to the app's code. With BENCH_MEM_NO_GC=1
 * it reads memory as it is, without collecting: what a pod's memory limit sees (issue 14).
 */
import { getHeapSpaceStatistics } from 'node:v8';

type Gc = () => void;

const forceGc = process.env.BENCH_MEM_NO_GC !== '1';

process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: Gc }).gc;
  if (gc && forceGc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  process.stderr.write(
    `BENCH_MEM ${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, spaces: spaces() })}\n`,
  );
});

/** Committed and used bytes per V8 space: says whether a growth is live objects or emptied pages. */
function spaces(): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const sp of getHeapSpaceStatistics())
    out[sp.space_name] = [sp.space_size, sp.space_used_size];
  return out;
}
