import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * The bench's memory probe (dist/bench/support/mem-probe.js, preloaded into measured processes):
 * by default it forces a full GC before reading memory; with BENCH_MEM_NO_GC=1 it must read memory
 * as it is, or the "as a pod sees it" figure of the idle scenario (issue 14) is an after-GC figure
 * under another name. The child reports every forced GC it sees through a PerformanceObserver.
 */
const PROBE = join(__dirname, '..', '..', 'dist', 'bench', 'support', 'mem-probe.js');
const CHILD = `
const { PerformanceObserver, constants } = require('node:perf_hooks');
new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    if (e.detail.flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) process.stderr.write('FORCED_GC\\n');
}).observe({ entryTypes: ['gc'] });
process.stderr.write('READY\\n');
setInterval(() => process.stderr.write('TICK\\n'), 20);
`;

/** Starts a child with the probe, asks it for memory once, returns what it printed and whether it collected. */
async function probeOnce(env: Record<string, string>): Promise<{ mem: string; forced: boolean }> {
  const child = spawn(process.execPath, ['--expose-gc', '-r', PROBE, '-e', CHILD], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const seen = (text: string) =>
    new Promise<void>((resolve) => {
      const check = () => err.includes(text) && resolve();
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        check();
      });
      check();
    });
  try {
    await seen('READY');
    child.kill('SIGUSR2');
    await seen('BENCH_MEM');
    // The observer's entries are delivered on a later turn of the child's loop: two timer ticks
    // after the reading, any GC it forced has been reported.
    const after = err.indexOf('BENCH_MEM');
    await new Promise<void>((resolve) => {
      const check = () => (err.slice(after).match(/TICK/g) ?? []).length >= 2 && resolve();
      child.stderr.on('data', check);
      check();
    });
    return { mem: /BENCH_MEM (\{.*\})/.exec(err)?.[1] ?? '', forced: err.includes('FORCED_GC') };
  } finally {
    child.kill('SIGKILL');
  }
}

describe('bench: memory probe', () => {
  it('forces a GC before reading memory by default (the after-GC figure)', async () => {
    const r = await probeOnce({});
    expect(JSON.parse(r.mem)).toEqual(expect.objectContaining({ rss: expect.any(Number) }));
    expect(r.forced).toBe(true);
  });

  it('reads memory without any forced GC with BENCH_MEM_NO_GC=1 (the pod view)', async () => {
    const r = await probeOnce({ BENCH_MEM_NO_GC: '1' });
    expect(JSON.parse(r.mem)).toEqual(
      expect.objectContaining({ rss: expect.any(Number), heapTotal: expect.any(Number) }),
    );
    expect(r.forced).toBe(false);
  });
});
