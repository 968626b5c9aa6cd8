import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema } from '@herald/config';

/** The README's configuration table is the operator's contract: it must match the code. */
const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const section = readme.slice(
  readme.indexOf('## Configuration'),
  readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5),
);
const rows = new Map(
  [...section.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \|/gm)].map((m) => [
    m[1],
    m[2].trim().replace(/`/g, ''),
  ]),
);

describe('README configuration table', () => {
  const shape = configSchema.shape as Record<string, { parse(v: unknown): unknown }>;

  it('lists exactly the variables the code reads', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(shape).sort());
  });

  it.each(Object.keys(configSchema.shape))('gives the real default of %s', (name) => {
    const def = shape[name].parse(undefined);
    const cell = rows.get(name);
    if (def === undefined || def === '') expect(cell).toMatch(/^(unset|derived)$/);
    else expect(cell).toBe(String(def));
  });
});
