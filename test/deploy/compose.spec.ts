// Docker does not run in CI, so docker-compose.yml and the Prometheus config it mounts are
// checked statically: services, ports, shared env, commands that exist, health checks, and
// scrape targets that name real services on the ports the apps listen on.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }> | string[];
  init?: boolean;
}

interface Compose {
  services: Record<string, ComposeService>;
}

interface PrometheusConfig {
  scrape_configs: {
    job_name: string;
    metrics_path?: string;
    static_configs: { targets: string[]; labels?: Record<string, string> }[];
  }[];
}

// merge: compose files share settings through YAML merge keys (<<: *anchor).
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as Compose;
const prometheus = parse(
  readFileSync(path.join(ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8'),
) as PrometheusConfig;
const scripts = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;

/** App services, their app folder, port variable and the host port they publish. */
const APPS = [
  { service: 'gateway-1', app: 'gateway', portEnv: 'GATEWAY_PORT', port: 8080, hostPort: 8080 },
  { service: 'gateway-2', app: 'gateway', portEnv: 'GATEWAY_PORT', port: 8080, hostPort: 8090 },
  { service: 'ingress', app: 'ingress', portEnv: 'INGRESS_PORT', port: 8081, hostPort: 8081 },
  {
    service: 'retry-worker',
    app: 'retry-worker',
    portEnv: 'WORKER_PORT',
    port: 8082,
    hostPort: 8082,
  },
] as const;

function service(name: string): ComposeService {
  const svc = compose.services[name];
  if (!svc) throw new Error(`docker-compose.yml has no service ${name}`);
  return svc;
}

function env(name: string): Record<string, string> {
  return service(name).environment ?? {};
}

/** Value compose substitutes for `${VAR:-default}` when VAR is unset. */
function withDefaults(value: string): string {
  return value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
}

/** The container port each published host port maps to. */
function publishedPorts(name: string): Map<number, number> {
  const map = new Map<number, number>();
  for (const spec of service(name).ports ?? []) {
    const m = /^(\d+):(\d+)$/.exec(spec);
    if (!m) throw new Error(`${name}: unsupported port spec ${spec}`);
    map.set(Number(m[1]), Number(m[2]));
  }
  return map;
}

/** The app a command starts, if it is a package.json script or `node dist/apps/<app>/src/main.js`. */
function appOf(command: string[] | string | undefined): string | undefined {
  const cmd = Array.isArray(command) ? command.join(' ') : (command ?? '');
  const npmRun = /^npm run ([\w:-]+)$/.exec(cmd);
  const resolved = npmRun ? scripts[npmRun[1]] : cmd;
  if (resolved === undefined) return undefined;
  const m = /^node dist\/apps\/([\w-]+)\/src\/main\.js$/.exec(resolved);
  if (!m || !existsSync(path.join(ROOT, 'apps', m[1]))) return undefined;
  // A bare node command must still be what package.json runs for that app.
  return npmRun || Object.values(scripts).includes(resolved) ? m[1] : undefined;
}

describe('docker-compose.yml', () => {
  it('runs Redis, two gateways, ingress, retry worker, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'gateway-1',
        'gateway-2',
        'grafana',
        'ingress',
        'prometheus',
        'redis',
        'retry-worker',
      ].sort(),
    );
    expect(service('redis').image).toBe('redis:7-alpine');
    expect(service('redis').healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it.each(APPS)('runs $service from the one image with the $app command', (a) => {
    const svc = service(a.service);
    expect(svc.image).toBe('herald:local');
    expect(svc.build).toBe('.');
    expect(appOf(svc.command)).toBe(a.app);
    expect(svc.init).toBe(true);
    expect(svc.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
  });

  it.each(APPS)('publishes $service on host port $hostPort', (a) => {
    expect(publishedPorts(a.service)).toEqual(new Map([[a.hostPort, a.port]]));
    expect(env(a.service)[a.portEnv]).toBe(String(a.port));
  });

  it.each(APPS)('checks $service health on /healthz of its own port', (a) => {
    const test = service(a.service).healthcheck?.test ?? [];
    expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(test[3]).toContain(`http://127.0.0.1:${a.port}/healthz`);
  });

  it('points every app at the compose Redis and the ingress public URL', () => {
    const redisPort = 6379;
    expect(service('redis').command).toEqual(
      expect.arrayContaining(['--maxmemory-policy', 'noeviction']),
    );
    for (const a of APPS) {
      const e = env(a.service);
      expect(e.REDIS_URL).toBe(`redis://redis:${redisPort}`);
      expect(e.REDIS_CLUSTER_NODES).toBeUndefined();
      expect(e.NODE_ENV).toBe('production');
      // Endpoints handed to clients must reach the ingress's published port.
      expect(withDefaults(e.PUBLIC_URL)).toBe('http://localhost:8081');
    }
    expect(publishedPorts('ingress').get(8081)).toBe(8081);
  });

  it('shares one ENDPOINT_SECRET of at least 32 bytes between all apps', () => {
    const secrets = new Set(APPS.map((a) => env(a.service).ENDPOINT_SECRET));
    expect(secrets.size).toBe(1);
    const [secret] = [...secrets];
    expect(secret).toMatch(/^\$\{ENDPOINT_SECRET:-/);
    expect(Buffer.from(withDefaults(secret), 'hex')).toHaveLength(32);
    expect(withDefaults(secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(APPS.map((a) => env(a.service).ADMIN_TOKEN)).size).toBe(1);
  });

  it('gives every app its own NODE_ID', () => {
    const ids = APPS.map((a) => env(a.service).NODE_ID);
    expect(ids).toEqual(['gateway-1', 'gateway-2', 'ingress', 'retry-worker']);
  });

  it('mounts files that exist in the repository', () => {
    for (const name of ['prometheus', 'grafana']) {
      for (const volume of service(name).volumes ?? []) {
        const hostPath = volume.split(':')[0];
        expect(hostPath.startsWith('./')).toBe(true);
        expect(existsSync(path.join(ROOT, hostPath))).toBe(true);
      }
    }
    expect(service('prometheus').volumes).toContain(
      './deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
    );
    expect(service('grafana').volumes).toEqual(
      expect.arrayContaining([
        './deploy/grafana/provisioning:/etc/grafana/provisioning:ro',
        './deploy/grafana/herald-dashboard.json:/var/lib/grafana/dashboards/herald-dashboard.json:ro',
      ]),
    );
  });

  it('provisions a Grafana datasource pointing at the compose Prometheus', () => {
    const ds = parse(
      readFileSync(
        path.join(ROOT, 'deploy', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'),
        'utf8',
      ),
    ) as { datasources: { type: string; url: string }[] };
    expect(ds.datasources).toHaveLength(1);
    expect(ds.datasources[0].type).toBe('prometheus');
    expect(ds.datasources[0].url).toBe('http://prometheus:9090');
    expect(publishedPorts('prometheus').get(9090)).toBe(9090);
  });
});

describe('deploy/prometheus/prometheus.yml', () => {
  const targets = prometheus.scrape_configs.flatMap((job) =>
    job.static_configs.flatMap((sc) => sc.targets.map((t) => ({ target: t, labels: sc.labels }))),
  );

  it('scrapes /metrics', () => {
    for (const job of prometheus.scrape_configs) {
      expect(job.metrics_path ?? '/metrics').toBe('/metrics');
    }
  });

  it('scrapes each app service exactly once on its metrics listener, which is not published', () => {
    const expected = APPS.map((a) => `${a.service}:${env(a.service).METRICS_PORT}`).sort();
    expect(targets.map((t) => t.target).sort()).toEqual(expected);
    for (const { target } of targets) {
      const [host, port] = target.split(':');
      expect(compose.services[host]).toBeDefined();
      const app = APPS.find((a) => a.service === host);
      expect(port).not.toBe(env(host)[app?.portEnv ?? 'missing']);
      expect([...publishedPorts(host).values()]).not.toContain(Number(port));
    }
  });

  it('labels each target with its service as `pod`, as Kubernetes does', () => {
    for (const { target, labels } of targets) {
      expect(labels?.pod).toBe(target.split(':')[0]);
    }
  });
});
