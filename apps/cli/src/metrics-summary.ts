/** Reads the Prometheus text of a role into the few figures an operator checks first. */
export interface RoleSummary {
  url: string;
  ready: boolean;
  figures: Record<string, number>;
}

const FIGURES: Array<[label: string, metric: string]> = [
  ['connections open', 'herald_connections_open'],
  ['hellos', 'herald_hellos_total'],
  ['accepted', 'herald_notifications_accepted_total'],
  ['rejected', 'herald_push_rejected_total'],
  ['delivered', 'herald_notifications_delivered_total'],
  ['acked', 'herald_notifications_acked_total'],
  ['redelivered', 'herald_notifications_redelivered_total'],
  ['redis errors', 'herald_redis_errors_total'],
  ['rss MiB', 'process_resident_memory_bytes'],
];

/** Sums every series of a metric (all label values), from Prometheus text format. */
export function sumMetric(text: string, name: string): number | null {
  let total: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total = (total ?? 0) + value;
  }
  return total;
}

export function summarize(url: string, ready: boolean, text: string): RoleSummary {
  const figures: Record<string, number> = {};
  for (const [label, metric] of FIGURES) {
    const v = sumMetric(text, metric);
    if (v === null) continue;
    figures[label] = metric === 'process_resident_memory_bytes' ? Math.round(v / 1048576) : v;
  }
  return { url, ready, figures };
}

export function formatSummaries(rows: RoleSummary[]): string {
  const labels = [...new Set(rows.flatMap((r) => Object.keys(r.figures)))];
  const lines = rows.map((r) => {
    const figs = labels.filter((l) => l in r.figures).map((l) => `${l}=${r.figures[l]}`);
    return `${r.url}  ${r.ready ? 'ready' : 'NOT READY'}  ${figs.join('  ')}`;
  });
  return lines.join('\n');
}
