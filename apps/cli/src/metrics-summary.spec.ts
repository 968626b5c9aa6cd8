import { formatSummaries, sumMetric, summarize } from './metrics-summary';

const TEXT = `# HELP herald_hellos_total hellos
# TYPE herald_hellos_total counter
herald_hellos_total{result="new"} 3
herald_hellos_total{result="existing"} 4
herald_hellos_totally_different 100
herald_connections_open 7
process_resident_memory_bytes 104857600
`;

describe('metrics summary', () => {
  it('sums every series of one metric and nothing else', () => {
    expect(sumMetric(TEXT, 'herald_hellos_total')).toBe(7);
    expect(sumMetric(TEXT, 'herald_connections_open')).toBe(7);
    expect(sumMetric(TEXT, 'herald_missing')).toBeNull();
  });

  it('prints one line per role', () => {
    expect(formatSummaries([summarize('http://gw:8080', true, TEXT)])).toBe(
      'http://gw:8080  ready  connections open=7  hellos=7  rss MiB=100',
    );
  });

  it('counts refusals of every protocol, not the deprecated SimplePush-only alias', () => {
    const text = [
      'herald_push_rejected_total{protocol="simplepush",reason="gone"} 2',
      'herald_push_rejected_total{protocol="webpush",reason="vapid"} 3',
      'herald_push_rejected_total{protocol="unifiedpush",reason="full"} 1',
      'herald_notifications_rejected_total{reason="gone"} 2',
    ].join('\n');
    expect(summarize('http://in:8081', true, text).figures.rejected).toBe(6);
  });
});
