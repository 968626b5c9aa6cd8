import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald } from '../support/herald-process';

/**
 * The metrics table (docs/metrics.md) and the Grafana dashboard against a live scrape of every
 * role: nothing documented or charted that the code does not export, nothing exported undocumented.
 */
const ROOT = join(__dirname, '..', '..');
const HISTOGRAM_SUFFIX = /_(bucket|sum|count)$/;

function scrapeTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(m[1], m[2]);
  return types;
}

describe('metrics documentation and dashboard vs a live scrape', () => {
  let redis: ManagedRedis;
  let herald: HeraldProcess;
  let types: Map<string, string>;

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    herald = await startHerald('all', { redisUrl: redis.url });
    // The three roles of the all-in-one process share one registry and its metrics listener.
    const text = await (await fetch(`http://127.0.0.1:${herald.ports.metrics}/metrics`)).text();
    types = scrapeTypes(text);
  });
  afterAll(async () => {
    await herald?.kill();
    await redis?.stop();
  });

  const documented = new Map(
    [
      ...readFileSync(join(ROOT, 'docs', 'metrics.md'), 'utf8').matchAll(
        /^\| `(herald_[a-z_]+)` \| (\w+) \|/gm,
      ),
    ].map((m) => [m[1], m[2]]),
  );

  it('documents every herald_ metric the roles export, with its type', () => {
    const exported = new Map([...types].filter(([k]) => k.startsWith('herald_')));
    expect(new Map([...documented].sort())).toEqual(new Map([...exported].sort()));
  });

  it('charts only metrics that exist', () => {
    const dashboard = readFileSync(
      join(ROOT, 'deploy', 'grafana', 'herald-dashboard.json'),
      'utf8',
    );
    const used = new Set(
      [...dashboard.matchAll(/\b((?:herald|process|nodejs)_[a-z_]+)\b/g)].map((m) =>
        types.has(m[1]) ? m[1] : m[1].replace(HISTOGRAM_SUFFIX, ''),
      ),
    );
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((name) => !types.has(name))).toEqual([]);
  });
});
