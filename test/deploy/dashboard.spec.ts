// The Grafana dashboard may only query metrics the apps export: every metric name in its PromQL
// is checked against known-metrics.ts, and the panels the operators rely on must be there.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { KNOWN_METRICS } from './known-metrics';

const DASHBOARD_PATH = path.resolve(
  __dirname,
  '..',
  '..',
  'deploy',
  'grafana',
  'herald-dashboard.json',
);

interface Target {
  expr: string;
  refId: string;
  legendFormat?: string;
  datasource?: { type: string; uid: string };
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
}

interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: {
    list: { name: string; type: string; query: string | { query: string } }[];
  };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as Dashboard;

const PROMQL_WORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);

/** Metric names a PromQL expression selects (functions, labels, keywords and numbers left out). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const before = bare[m.index - 1] ?? ' ';
    const after = bare.slice(m.index + m[0].length).trimStart();
    if (/[0-9.]/.test(before)) continue; // exponent of a number, e.g. 1e3
    if (after.startsWith('(')) continue; // a function call
    if (PROMQL_WORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Every PromQL query in the dashboard: panel targets and templating queries. */
function queries(): { where: string; expr: string }[] {
  const out = dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr })),
  );
  for (const v of dashboard.templating.list) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : v.query.query;
    // label_values(metric, label): only the first argument is a metric.
    const lv = /^label_values\(\s*([^,]+),\s*\w+\s*\)$/.exec(q);
    out.push({ where: `variable $${v.name}`, expr: lv ? lv[1] : q });
  }
  return out;
}

function usedMetrics(): Set<string> {
  return new Set(queries().flatMap((q) => metricNames(q.expr)));
}

function exprsOf(title: string): string[] {
  const panels = dashboard.panels.filter((p) => p.title === title && p.type !== 'row');
  expect(panels.length).toBeGreaterThan(0);
  return panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

describe('metricNames', () => {
  it('finds metric names and skips functions, labels, ranges and keywords', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le) (rate(herald_delivery_latency_seconds_bucket{namespace=~"$namespace", result="a{b}"}[$__rate_interval])))',
      ),
    ).toEqual(['herald_delivery_latency_seconds_bucket']);
    expect(metricNames('sum(rate(a_total[5m])) / on (pod) group_left b_total > bool 1e3')).toEqual([
      'a_total',
      'b_total',
    ]);
    expect(metricNames('max by (pod) (process_resident_memory_bytes offset 5m)')).toEqual([
      'process_resident_memory_bytes',
    ]);
  });
});

describe('known metrics', () => {
  it('include the Herald histogram series and the prom-client defaults', () => {
    expect(KNOWN_METRICS.has('herald_delivery_latency_seconds_bucket')).toBe(true);
    expect(KNOWN_METRICS.has('herald_delivery_latency_seconds')).toBe(false);
    expect(KNOWN_METRICS.has('process_resident_memory_bytes')).toBe(true);
    expect(KNOWN_METRICS.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
    expect(KNOWN_METRICS.has('herald_made_up_total')).toBe(false);
  });
});

describe('deploy/grafana/herald-dashboard.json', () => {
  it('queries only metrics the apps export', () => {
    const unknown = queries().flatMap((q) =>
      metricNames(q.expr)
        .filter((name) => !KNOWN_METRICS.has(name))
        .map((name) => `${q.where}: ${name}`),
    );
    expect(unknown).toEqual([]);
    expect(usedMetrics().size).toBeGreaterThanOrEqual(10);
  });

  it('covers connections, notification flow, latency, redeliveries, storage, Redis and the event loop', () => {
    const used = usedMetrics();
    for (const name of [
      'herald_connections_open',
      'herald_notifications_accepted_total',
      'herald_notifications_delivered_total',
      'herald_notifications_acked_total',
      'herald_delivery_latency_seconds_bucket',
      'herald_notifications_redelivered_total',
      'herald_webpush_messages_stored',
      'herald_redis_errors_total',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(used).toContain(name);
    }
  });

  it('shows open connections per gateway pod', () => {
    expect(exprsOf('Open connections per gateway')).toEqual([
      'sum by (pod) (herald_connections_open{namespace=~"$namespace"})',
    ]);
  });

  it('shows p50, p90 and p99 delivery latency from the histogram buckets', () => {
    const exprs = exprsOf('Delivery latency');
    expect(exprs).toHaveLength(3);
    exprs.forEach((expr, i) => {
      expect(expr).toBe(
        `histogram_quantile(${[0.5, 0.9, 0.99][i]}, sum by (le) (rate(herald_delivery_latency_seconds_bucket{namespace=~"$namespace"}[$__rate_interval])))`,
      );
    });
  });

  it('uses the datasource variable and $__rate_interval everywhere', () => {
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'namespace']);
    for (const p of dashboard.panels.filter((panel) => panel.type !== 'row')) {
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length).toBeGreaterThan(0);
      for (const t of p.targets ?? []) {
        expect(t.datasource?.uid).toBe('${datasource}');
        for (const range of t.expr.match(/\[[^\]]*\]/g) ?? []) {
          expect(range).toBe('[$__rate_interval]');
        }
      }
    }
  });

  it('lays panels out on the 24-column grid without overlaps and with unique ids', () => {
    expect(dashboard.uid).toBe('herald-overview');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      const { x, y, w, h } = p.gridPos;
      expect(x + w).toBeLessThanOrEqual(24);
      for (let cx = x; cx < x + w; cx++) {
        for (let cy = y; cy < y + h; cy++) {
          const cell = `${cx},${cy}`;
          if (cells.has(cell)) throw new Error(`panel "${p.title}" overlaps at ${cell}`);
          cells.add(cell);
        }
      }
    }
  });
});
