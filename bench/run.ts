import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { markdown, rows, textTable, BenchResults } from './report';
import { runCost } from './scenarios/cost';
import { runIdle } from './scenarios/idle';
import { runStorm } from './scenarios/storm';
import { Leg, LEGS, runThroughput } from './scenarios/throughput';
import { describeMachine } from './support/machine';
import { killSpawned, ROOT } from './support/processes';

/**
 * `npm run bench [-- --quick] [-- --only idle|throughput|storm|cost] [-- --legs forwarder,floor,socketio,herald,webpush,replicated] [-- --clients N] [-- --rates a,b,...] [-- --idle-no-gc low,high] [-- --profile] [-- --no-webpush] [-- --no-replicated]`:
 * runs the scenarios one after the other (each starts and stops its own Redis and processes),
 * prints the table and writes bench/results/<date>.json (and LATEST.md for a full run of
 * everything). `--legs` picks the throughput scenario's pipelines (all by default).
 */
const SCENARIOS = ['idle', 'throughput', 'storm', 'cost'] as const;
type Scenario = (typeof SCENARIOS)[number];

function parseArgs(argv: string[]): { quick: boolean; only: Scenario[] } {
  const quick = argv.includes('--quick');
  const i = argv.indexOf('--only');
  const only = i >= 0 ? (argv[i + 1] ?? '').split(',') : [...SCENARIOS];
  for (const s of only)
    if (!SCENARIOS.includes(s as Scenario))
      throw new Error(`unknown scenario "${s}"; one of ${SCENARIOS.join(', ')}`);
  return { quick, only: only as Scenario[] };
}

function parseLegs(argv: string[]): Leg[] {
  const i = argv.indexOf('--legs');
  let legs = i >= 0 ? (argv[i + 1] ?? '').split(',') : [...LEGS];
  for (const l of legs)
    if (!LEGS.includes(l as Leg)) throw new Error(`unknown leg "${l}"; one of ${LEGS.join(', ')}`);
  if (argv.includes('--no-webpush')) legs = legs.filter((l) => l !== 'webpush');
  if (argv.includes('--no-replicated')) legs = legs.filter((l) => l !== 'replicated');
  return legs as Leg[];
}

/** `--name a,b,c` as numbers, or null when not given (smoke runs: `--clients 300 --rates 500`). */
function numbersArg(argv: string[], name: string): number[] | null {
  const i = argv.indexOf(name);
  if (i < 0) return null;
  const list = (argv[i + 1] ?? '').split(',').map(Number);
  if (!list.length || list.some((n) => !Number.isFinite(n) || n <= 0))
    throw new Error(`${name} wants positive numbers, comma-separated`);
  return list;
}

async function main(): Promise<void> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const legs = parseLegs(process.argv.slice(2));
  const clients = numbersArg(process.argv, '--clients')?.[0];
  const rates = numbersArg(process.argv, '--rates');
  if (process.argv.includes('--profile')) {
    process.env.BENCH_CPU_PROF = process.env.BENCH_CPU_PROF ?? '/tmp/herald-bench-profiles';
    mkdirSync(process.env.BENCH_CPU_PROF, { recursive: true });
  }
  const started = Date.now();
  const log = (s: string) =>
    process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${s}\n`);
  const results: BenchResults = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    machine: describeMachine(),
    loadAtEnd: [],
    durationSeconds: 0,
  };
  log(`bench (${results.mode}): ${only.join(', ')} on ${JSON.stringify(results.machine)}`);
  if (only.includes('idle')) {
    const noGc = numbersArg(process.argv, '--idle-no-gc');
    results.idle = await runIdle(
      clients ?? (quick ? 5_000 : 19_000),
      quick ? null : { gateways: 6, perGateway: 17_000 },
      log,
      // The pod's view (no forced GC): slope between two connection counts on one process.
      noGc
        ? { low: noGc[0], high: noGc[1] ?? noGc[0] * 2 }
        : quick
          ? { low: 2_000, high: 5_000 }
          : { low: 5_000, high: 15_000 },
    );
  }
  if (only.includes('throughput')) {
    const base = quick
      ? {
          legs,
          clients: 1_000,
          rates: [1_000, 2_000, 3_000, 4_000, 6_000],
          stepMs: 2_000,
          latencyStepMs: 2_000,
          putters: 1,
        }
      : {
          legs,
          clients: 2_000,
          rates: [
            500, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000, 10_000, 12_000, 16_000,
          ],
          stepMs: 5_000,
          latencyStepMs: 10_000,
          putters: 2,
        };
    results.throughput = await runThroughput(
      { ...base, clients: clients ?? base.clients, rates: rates ?? base.rates },
      log,
    );
  }
  if (only.includes('storm'))
    results.storm = await runStorm(
      quick ? 2_000 : 15_000,
      quick ? 2_000 : Number(process.env.BENCH_STORM_SURVIVORS) || 12_000,
      1_000,
      log,
    );
  if (only.includes('cost')) results.cost = await runCost(quick ? 1_000 : 5_000, log);

  results.loadAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  results.durationSeconds = Math.round((Date.now() - started) / 1000);
  const table = textTable(rows(results));
  process.stdout.write(`\n${table}\n\n`);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const name = `${results.date.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}${only.length < SCENARIOS.length ? `-${only.join('-')}` : ''}.json`;
  writeFileSync(join(dir, name), JSON.stringify(results, null, 2) + '\n');
  log(`wrote bench/results/${name}`);
  if (!quick && only.length === SCENARIOS.length) {
    writeFileSync(join(dir, 'LATEST.md'), markdown(results));
    log('wrote bench/results/LATEST.md');
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killSpawned(); // Redis goes with process exit (ManagedRedis), load processes on disconnect
    process.exit(130);
  });
}

// A crash (e.g. an IPC send to a load process that died) must not orphan the server processes.
process.on('uncaughtException', (err) => {
  process.stderr.write(`bench crashed: ${err.stack ?? err.message}\n`);
  killSpawned();
  process.exit(1);
});

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
    killSpawned();
    process.exit(1);
  },
);
