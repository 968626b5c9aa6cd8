// Chart tests: lint and render deploy/helm/herald with the real helm binary (unpacked from a
// devDependency by scripts/ensure-helm.js), validate every object against the Kubernetes schema
// (kubernetes-models) and pin the operator contract: commands, ports, probes, env, scaling objects.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet, type IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import {
  HorizontalPodAutoscaler,
  type IHorizontalPodAutoscaler,
} from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress, type IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import {
  PodDisruptionBudget,
  type IPodDisruptionBudget,
} from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret, type ISecret } from 'kubernetes-models/v1/Secret';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import { ServiceAccount, type IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { IContainer } from 'kubernetes-models/v1/Container';

const ROOT = path.resolve(__dirname, '..', '..');
const CHART = path.join(ROOT, 'deploy', 'helm', 'herald');
const PRODUCTION_VALUES = path.join(CHART, 'values-production.yaml');
const RELEASE = 't';
const NAMESPACE = 'herald-test';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

interface ServiceMonitor extends K8sObject {
  spec: {
    namespaceSelector: { matchNames: string[] };
    selector: { matchLabels: Record<string, string> };
    endpoints: { port: string; path: string; interval?: string }[];
  };
}

/** The three apps: component name (labels, object names), package.json script, port, port env. */
const APPS = [
  {
    component: 'gateway',
    dir: 'gateway',
    script: 'start:gateway',
    port: 8080,
    portEnv: 'GATEWAY_PORT',
  },
  {
    component: 'ingress',
    dir: 'ingress',
    script: 'start:ingress',
    port: 8081,
    portEnv: 'INGRESS_PORT',
  },
  {
    component: 'retry-worker',
    dir: 'retry-worker',
    script: 'start:worker',
    port: 8082,
    portEnv: 'WORKER_PORT',
  },
] as const;

// Validators from the Kubernetes OpenAPI schema. Any kind the chart renders must be listed here
// (or be a known CRD), so a new template cannot slip past validation.
const MODELS: Record<string, (obj: K8sObject) => { validate(): void }> = {
  'apps/v1/Deployment': (o) => new Deployment(o as unknown as IDeployment),
  'apps/v1/StatefulSet': (o) => new StatefulSet(o as unknown as IStatefulSet),
  'autoscaling/v2/HorizontalPodAutoscaler': (o) =>
    new HorizontalPodAutoscaler(o as unknown as IHorizontalPodAutoscaler),
  'networking.k8s.io/v1/Ingress': (o) => new Ingress(o as unknown as IIngress),
  'policy/v1/PodDisruptionBudget': (o) =>
    new PodDisruptionBudget(o as unknown as IPodDisruptionBudget),
  'v1/ConfigMap': (o) => new ConfigMap(o as unknown as IConfigMap),
  'v1/Secret': (o) => new Secret(o as unknown as ISecret),
  'v1/Service': (o) => new Service(o as unknown as IService),
  'v1/ServiceAccount': (o) => new ServiceAccount(o as unknown as IServiceAccount),
};

let helmBin = '';

function helm(args: string[]): string {
  return execFileSync(helmBin, args, { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
}

function templateArgs(valuesFiles: string[], set: string[]): string[] {
  return [
    'template',
    RELEASE,
    CHART,
    '--namespace',
    NAMESPACE,
    ...valuesFiles.flatMap((f) => ['-f', f]),
    ...set.flatMap((s) => ['--set', s]),
  ];
}

function render(valuesFiles: string[] = [], set: string[] = []): K8sObject[] {
  const out = helm(templateArgs(valuesFiles, set));
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** Renders values the chart must refuse; returns helm's error output. */
function renderError(set: string[]): string {
  try {
    helm(templateArgs([], set));
  } catch (err) {
    return String((err as { stderr?: string }).stderr);
  }
  throw new Error(`helm template accepted ${set.join(' ')}`);
}

function name(component: string): string {
  return `${RELEASE}-herald-${component}`;
}

function all<T>(objs: K8sObject[], kind: string): T[] {
  return objs.filter((o) => o.kind === kind) as unknown as T[];
}

function one<T>(objs: K8sObject[], kind: string, objName: string): T {
  const found = objs.filter((o) => o.kind === kind && o.metadata.name === objName);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} ${objName}, found ${found.length}`);
  }
  return found[0] as unknown as T;
}

function names(objs: K8sObject[], kind: string): string[] {
  return objs
    .filter((o) => o.kind === kind)
    .map((o) => o.metadata.name)
    .sort();
}

function container(deploy: IDeployment): IContainer {
  const containers = deploy.spec?.template.spec?.containers ?? [];
  expect(containers).toHaveLength(1);
  return containers[0];
}

function envVar(c: IContainer, envName: string) {
  const matches = (c.env ?? []).filter((e) => e.name === envName);
  expect(matches).toHaveLength(1);
  return matches[0];
}

function validateAll(objs: K8sObject[]): void {
  for (const obj of objs) {
    const key = `${obj.apiVersion}/${obj.kind}`;
    if (key === 'monitoring.coreos.com/v1/ServiceMonitor') {
      // A CRD: kubernetes-models has no schema for it, check its shape by hand.
      const sm = obj as ServiceMonitor;
      expect(sm.spec.selector.matchLabels).toEqual(expect.any(Object));
      expect(sm.spec.endpoints.length).toBeGreaterThan(0);
      continue;
    }
    const model = MODELS[key];
    if (!model) throw new Error(`no schema check for ${key} (${obj.metadata.name})`);
    expect(obj.metadata.namespace).toBe(NAMESPACE);
    try {
      model(obj).validate();
    } catch (err) {
      throw new Error(`${key} ${obj.metadata.name} is invalid: ${String(err)}`);
    }
  }
}

beforeAll(() => {
  helmBin = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'ensure-helm.js')], {
    encoding: 'utf8',
  }).trim();
  expect(existsSync(helmBin)).toBe(true);
});

describe('helm lint', () => {
  it('passes with the default values', () => {
    expect(helm(['lint', '--strict', CHART])).toContain('0 chart(s) failed');
  });

  it('passes with values-production.yaml', () => {
    expect(helm(['lint', '--strict', CHART, '-f', PRODUCTION_VALUES])).toContain(
      '0 chart(s) failed',
    );
  });
});

describe('default values', () => {
  let objs: K8sObject[];
  beforeAll(() => {
    objs = render();
  });

  it('renders exactly the expected objects', () => {
    expect(names(objs, 'Deployment')).toEqual([
      name('gateway'),
      name('ingress'),
      name('retry-worker'),
    ]);
    expect(names(objs, 'Service')).toEqual([
      name('gateway'),
      name('ingress'),
      name('redis'),
      name('retry-worker'),
    ]);
    expect(names(objs, 'StatefulSet')).toEqual([name('redis')]);
    expect(names(objs, 'ConfigMap')).toEqual([`${RELEASE}-herald-config`]);
    expect(names(objs, 'Secret')).toEqual([`${RELEASE}-herald-secrets`]);
    // gateway and ingress run 2 replicas, the worker 1: a PDB over one pod would block drains.
    expect(names(objs, 'PodDisruptionBudget')).toEqual([name('gateway'), name('ingress')]);
    expect(names(objs, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(names(objs, 'ServiceMonitor')).toEqual([]);
    expect(names(objs, 'Ingress')).toEqual([]);
  });

  it('renders only objects valid against the Kubernetes schema', () => {
    validateAll(objs);
  });

  it.each(APPS)('runs $component with the command of its package.json script', (app) => {
    const c = container(one<IDeployment>(objs, 'Deployment', name(app.component)));
    const entry = `dist/apps/${app.dir}/src/main.js`;
    expect(c.command).toEqual(['node', entry]);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts[app.script]).toBe(`node ${entry}`);
    expect(existsSync(path.join(ROOT, 'apps', app.dir))).toBe(true);
  });

  it.each(APPS)('gives $component its port, probes and env', (app) => {
    const deploy = one<IDeployment>(objs, 'Deployment', name(app.component));
    const c = container(deploy);
    // Metrics have their own listener (METRICS_PORT), apart from the app port.
    expect(c.ports).toEqual([
      { name: 'http', containerPort: app.port, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9464, protocol: 'TCP' },
    ]);
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/livez', port: 'http' });
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });

    expect(envVar(c, app.portEnv).value).toBe(String(app.port));
    expect(envVar(c, 'NODE_ID').valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    for (const [envName, key] of [
      ['ENDPOINT_SECRET', 'ENDPOINT_SECRET'],
      ['ADMIN_TOKEN', 'ADMIN_TOKEN'],
    ]) {
      expect(envVar(c, envName).valueFrom?.secretKeyRef).toEqual({
        name: `${RELEASE}-herald-secrets`,
        key,
      });
    }
    expect(c.envFrom).toEqual([{ configMapRef: { name: `${RELEASE}-herald-config` } }]);
    // Non-secret settings live in the ConfigMap only.
    expect((c.env ?? []).map((e) => e.name)).not.toContain('REDIS_URL');
    expect(deploy.spec?.replicas).toBe(app.component === 'retry-worker' ? 1 : 2);
  });

  it.each(APPS)('runs $component locked down with a writable /tmp only', (app) => {
    const deploy = one<IDeployment>(objs, 'Deployment', name(app.component));
    const pod = deploy.spec?.template.spec;
    const c = container(deploy);
    expect(pod?.securityContext?.runAsNonRoot).toBe(true);
    expect(pod?.securityContext?.runAsUser).toBe(1000);
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod?.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
    expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    const annotations = deploy.spec?.template.metadata?.annotations ?? {};
    expect(annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each(APPS)('exposes $component on a Service port named metrics', (app) => {
    const svc = one<IService>(objs, 'Service', name(app.component));
    const ports = svc.spec?.ports ?? [];
    const metrics = ports.find((p) => p.name === 'metrics');
    expect(metrics?.targetPort).toBe('metrics');
    if (app.component === 'retry-worker') {
      expect(ports.map((p) => p.name)).toEqual(['metrics']);
    } else {
      expect(ports.find((p) => p.name === 'http')).toMatchObject({
        port: app.port,
        targetPort: 'http',
      });
    }
    const deploy = one<IDeployment>(objs, 'Deployment', name(app.component));
    expect(svc.spec?.selector).toEqual(deploy.spec?.selector.matchLabels);
    expect(deploy.spec?.template.metadata?.labels).toMatchObject(svc.spec?.selector ?? {});
  });

  it('gives the gateway time to drain: grace period and preStop sleep', () => {
    const gateway = one<IDeployment>(objs, 'Deployment', name('gateway'));
    expect(gateway.spec?.template.spec?.terminationGracePeriodSeconds).toBe(60);
    expect(container(gateway).lifecycle?.preStop?.exec?.command).toEqual(['sleep', '5']);
    expect(gateway.spec?.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
    const worker = one<IDeployment>(objs, 'Deployment', name('retry-worker'));
    expect(container(worker).lifecycle).toBeUndefined();
  });

  it('points every app at the bundled Redis through the ConfigMap', () => {
    const cm = one<IConfigMap>(objs, 'ConfigMap', `${RELEASE}-herald-config`);
    expect(cm.data).toEqual({
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      PUBLIC_URL: `http://${name('ingress')}.${NAMESPACE}.svc:8081`,
      DRAIN_TIMEOUT_MS: '20000',
      METRICS_PORT: '9464',
      REDIS_URL: `redis://${name('redis')}:6379`,
    });
    const redisSvc = one<IService>(objs, 'Service', name('redis'));
    expect(redisSvc.spec?.ports?.[0]?.port).toBe(6379);
    const redis = one<IStatefulSet>(objs, 'StatefulSet', name('redis'));
    const rc = redis.spec?.template.spec?.containers[0];
    expect(rc?.image).toBe('redis:7');
    expect(rc?.command).toEqual(expect.arrayContaining(['--maxmemory-policy', 'noeviction']));
    expect(redis.spec?.template.spec?.securityContext?.runAsNonRoot).toBe(true);
  });

  it('generates a 32-byte hex ENDPOINT_SECRET and an admin token', () => {
    const secret = one<ISecret>(objs, 'Secret', `${RELEASE}-herald-secrets`);
    const data = secret.data ?? {};
    expect(Object.keys(data).sort()).toEqual(['ADMIN_TOKEN', 'ENDPOINT_SECRET']);
    expect(Buffer.from(data.ENDPOINT_SECRET, 'base64').toString()).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(data.ADMIN_TOKEN, 'base64').toString().length).toBeGreaterThanOrEqual(32);
    expect(secret.metadata?.annotations?.['helm.sh/resource-policy']).toBe('keep');
  });
});

describe('values-production.yaml', () => {
  let objs: K8sObject[];
  beforeAll(() => {
    objs = render([PRODUCTION_VALUES]);
  });

  it('renders only objects valid against the Kubernetes schema', () => {
    validateAll(objs);
  });

  it.each(APPS)('hands $component replicas to an autoscaling/v2 HPA', (app) => {
    const deploy = one<IDeployment>(objs, 'Deployment', name(app.component));
    expect(deploy.spec).not.toHaveProperty('replicas');
    const hpa = one<IHorizontalPodAutoscaler>(objs, 'HorizontalPodAutoscaler', name(app.component));
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec?.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: name(app.component),
    });
    expect(hpa.spec?.minReplicas).toBe(3);
    expect(hpa.spec?.metrics?.[0]?.resource?.name).toBe('cpu');
    const pdb = one<IPodDisruptionBudget>(objs, 'PodDisruptionBudget', name(app.component));
    expect(pdb.spec?.selector?.matchLabels).toEqual(deploy.spec?.selector.matchLabels);
  });

  it.each(APPS)('scrapes $component with a ServiceMonitor on the metrics port', (app) => {
    const sm = one<ServiceMonitor>(objs, 'ServiceMonitor', name(app.component));
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm.metadata.labels?.release).toBe('kube-prometheus-stack');
    expect(sm.spec.endpoints).toEqual([
      { port: 'metrics', path: '/metrics', interval: '15s', scrapeTimeout: '10s' },
    ]);
    expect(sm.spec.namespaceSelector.matchNames).toEqual([NAMESPACE]);
    // The selector must pick this app's Service, and only it.
    const matching = all<IService>(objs, 'Service').filter((svc) =>
      Object.entries(sm.spec.selector.matchLabels).every(
        ([k, v]) => svc.metadata?.labels?.[k] === v,
      ),
    );
    expect(matching.map((s) => s.metadata?.name)).toEqual([name(app.component)]);
    expect(matching[0].spec?.ports?.map((p) => p.name)).toContain('metrics');
  });

  it('reads secrets from the existing Secret and renders none', () => {
    expect(names(objs, 'Secret')).toEqual([]);
    for (const app of APPS) {
      const c = container(one<IDeployment>(objs, 'Deployment', name(app.component)));
      expect(envVar(c, 'ENDPOINT_SECRET').valueFrom?.secretKeyRef).toEqual({
        name: 'herald-secrets',
        key: 'ENDPOINT_SECRET',
      });
      expect(envVar(c, 'ADMIN_TOKEN').valueFrom?.secretKeyRef?.name).toBe('herald-secrets');
    }
  });

  it('uses the external Redis Cluster and no bundled Redis', () => {
    expect(names(objs, 'StatefulSet')).toEqual([]);
    const cm = one<IConfigMap>(objs, 'ConfigMap', `${RELEASE}-herald-config`);
    expect(cm.data?.REDIS_URL).toBeUndefined();
    expect(cm.data?.REDIS_CLUSTER_NODES).toBe(
      [0, 1, 2].map((i) => `redis-cluster-${i}.redis-cluster-headless.redis.svc:6379`).join(','),
    );
    expect(cm.data?.PUBLIC_URL).toBe('https://updates.push.example.com');
  });

  it('trusts X-Forwarded-For from one hop (the Ingress controller) on the apps behind an Ingress', () => {
    for (const app of APPS) {
      const c = container(one<IDeployment>(objs, 'Deployment', name(app.component)));
      const trust = (c.env ?? []).filter((e) => e.name === 'TRUST_PROXY');
      expect(trust).toEqual(
        app.component === 'retry-worker' ? [] : [{ name: 'TRUST_PROXY', value: '1' }],
      );
    }
    const cm = one<IConfigMap>(objs, 'ConfigMap', `${RELEASE}-herald-config`);
    expect(cm.data?.TRUST_PROXY).toBeUndefined();
  });

  it('exposes the gateway and the ingress through Ingresses', () => {
    const gw = one<IIngress>(objs, 'Ingress', name('gateway'));
    expect(gw.spec?.rules?.[0]?.host).toBe('push.example.com');
    expect(gw.spec?.rules?.[0]?.http?.paths[0]?.backend.service).toEqual({
      name: name('gateway'),
      port: { name: 'http' },
    });
    // /autopush (clients written against Mozilla autopush) goes where / goes.
    expect(
      gw.spec?.rules?.[0]?.http?.paths.map((p) => [p.path, p.pathType, p.backend.service?.name]),
    ).toEqual([
      ['/', 'Prefix', name('gateway')],
      ['/autopush', 'Exact', name('gateway')],
    ]);
    const ing = one<IIngress>(objs, 'Ingress', name('ingress'));
    expect(ing.spec?.rules?.[0]?.host).toBe('updates.push.example.com');
    expect(ing.spec?.rules?.[0]?.http?.paths.map((p) => p.path)).toEqual(['/']);
  });

  it("routes the seed protocol's /client/ streams on the push host to the gateway, with its timeouts", () => {
    const gw = one<IIngress>(objs, 'Ingress', name('gateway'));
    const client = gw.spec?.rules?.[1];
    expect(client?.host).toBe('updates.push.example.com');
    expect(client?.http?.paths.map((p) => [p.path, p.pathType, p.backend.service?.name])).toEqual([
      ['/client/', 'Prefix', name('gateway')],
    ]);
    // Long-lived streams: the gateway Ingress's proxy timeouts, and TLS for the push host too.
    expect(
      Number(gw.metadata?.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout']),
    ).toBeGreaterThanOrEqual(3600);
    expect(gw.spec?.tls?.flatMap((t) => t.hosts)).toContain('updates.push.example.com');
    // The ingress app's Ingress names no /client/ path: the longer prefix on the gateway wins.
    const ing = one<IIngress>(objs, 'Ingress', name('ingress'));
    expect(ing.spec?.rules?.flatMap((r) => r.http?.paths.map((p) => p.path))).not.toContain(
      '/client/',
    );
  });
});

describe('value variants', () => {
  function pdbNames(set: string[]): string[] {
    return names(render([], set), 'PodDisruptionBudget');
  }

  it('renders a PDB only when more than one pod can run', () => {
    expect(pdbNames(['gateway.replicas=1', 'ingress.replicas=1'])).toEqual([]);
    expect(pdbNames(['retryWorker.replicas=3'])).toEqual([
      name('gateway'),
      name('ingress'),
      name('retry-worker'),
    ]);
    // With an HPA, minReplicas decides, not replicas.
    expect(
      pdbNames([
        'gateway.replicas=1',
        'gateway.autoscaling.enabled=true',
        'gateway.autoscaling.minReplicas=1',
        'ingress.replicas=1',
        'retryWorker.autoscaling.enabled=true',
        'retryWorker.autoscaling.minReplicas=2',
      ]),
    ).toEqual([name('retry-worker')]);
  });

  it('sets TRUST_PROXY only behind the chart Ingress, unless the operator names the proxies', () => {
    const trustOf = (objs: K8sObject[], component: string) =>
      (container(one<IDeployment>(objs, 'Deployment', name(component))).env ?? [])
        .filter((e) => e.name === 'TRUST_PROXY')
        .map((e) => e.value);
    const cmOf = (objs: K8sObject[]) =>
      one<IConfigMap>(objs, 'ConfigMap', `${RELEASE}-herald-config`).data ?? {};
    const plain = render();
    for (const app of APPS) expect(trustOf(plain, app.component)).toEqual([]);
    expect(cmOf(plain).TRUST_PROXY).toBeUndefined();
    const gatewayIngress = render([], ['gateway.ingress.enabled=true', 'gateway.ingress.host=h']);
    expect(trustOf(gatewayIngress, 'gateway')).toEqual(['1']);
    expect(trustOf(gatewayIngress, 'ingress')).toEqual([]);
    const named = render(
      [],
      ['gateway.ingress.enabled=true', 'gateway.ingress.host=h', 'config.trustProxy=10.0.0.0/8'],
    );
    expect(cmOf(named).TRUST_PROXY).toBe('10.0.0.0/8');
    for (const app of APPS) expect(trustOf(named, app.component)).toEqual([]);
  });

  it('renders ServiceMonitors when enabled on the default values', () => {
    const objs = render([], ['serviceMonitor.enabled=true']);
    expect(names(objs, 'ServiceMonitor')).toEqual([
      name('gateway'),
      name('ingress'),
      name('retry-worker'),
    ]);
    validateAll(objs);
  });

  it('rolls the pods when the config changes, not when replicas do', () => {
    const checksum = (set: string[]): string => {
      const d = one<IDeployment>(render([], set), 'Deployment', name('gateway'));
      return d.spec?.template.metadata?.annotations?.['checksum/config'] ?? '';
    };
    const base = checksum([]);
    expect(checksum(['gateway.replicas=4'])).toBe(base);
    expect(checksum(['config.logLevel=debug'])).not.toBe(base);
  });

  it('keeps a password-carrying REDIS_URL in the chart Secret', () => {
    const url = 'redis://:s3cret@redis.example:6379';
    const objs = render([], ['redis.enabled=false', `secrets.redisUrl=${url}`]);
    validateAll(objs);
    const secret = one<ISecret>(objs, 'Secret', `${RELEASE}-herald-secrets`);
    expect(Buffer.from(secret.data?.REDIS_URL ?? '', 'base64').toString()).toBe(url);
    const cm = one<IConfigMap>(objs, 'ConfigMap', `${RELEASE}-herald-config`);
    expect(JSON.stringify(cm.data)).not.toContain('s3cret');
    const c = container(one<IDeployment>(objs, 'Deployment', name('gateway')));
    expect(envVar(c, 'REDIS_URL').valueFrom?.secretKeyRef).toEqual({
      name: `${RELEASE}-herald-secrets`,
      key: 'REDIS_URL',
    });
    // Changing a secret value rolls the pods too.
    const before = one<IDeployment>(render(), 'Deployment', name('gateway'));
    const after = one<IDeployment>(objs, 'Deployment', name('gateway'));
    expect(after.spec?.template.metadata?.annotations?.['checksum/secret']).not.toBe(
      before.spec?.template.metadata?.annotations?.['checksum/secret'],
    );
  });

  it('reads REDIS_URL and custom keys from an existing Secret', () => {
    const objs = render(
      [],
      [
        'redis.enabled=false',
        'redis.urlFromSecret=true',
        'secrets.existingSecret=mine',
        'secrets.keys.endpointSecret=endpoint-secret',
      ],
    );
    expect(names(objs, 'Secret')).toEqual([]);
    const c = container(one<IDeployment>(objs, 'Deployment', name('retry-worker')));
    expect(envVar(c, 'REDIS_URL').valueFrom?.secretKeyRef).toEqual({
      name: 'mine',
      key: 'REDIS_URL',
    });
    expect(envVar(c, 'ENDPOINT_SECRET').valueFrom?.secretKeyRef).toEqual({
      name: 'mine',
      key: 'endpoint-secret',
    });
  });

  it('passes a Redis Cluster password from the chart Secret or an existing one', () => {
    const cluster = ['redis.enabled=false', 'redis.clusterNodes[0]=redis-0.redis:6379'];
    const objs = render([], [...cluster, 'secrets.redisPassword=cl0ster']);
    validateAll(objs);
    const secret = one<ISecret>(objs, 'Secret', `${RELEASE}-herald-secrets`);
    expect(Buffer.from(secret.data?.REDIS_PASSWORD ?? '', 'base64').toString()).toBe('cl0ster');
    const cm = one<IConfigMap>(objs, 'ConfigMap', `${RELEASE}-herald-config`);
    expect(JSON.stringify(cm.data)).not.toContain('cl0ster');
    for (const app of ['gateway', 'ingress', 'retry-worker']) {
      const c = container(one<IDeployment>(objs, 'Deployment', name(app)));
      expect(envVar(c, 'REDIS_PASSWORD').valueFrom?.secretKeyRef).toEqual({
        name: `${RELEASE}-herald-secrets`,
        key: 'REDIS_PASSWORD',
      });
    }
    const mine = render(
      [],
      [
        ...cluster,
        'redis.passwordFromSecret=true',
        'secrets.existingSecret=mine',
        'secrets.keys.redisPassword=redis-password',
      ],
    );
    const c = container(one<IDeployment>(mine, 'Deployment', name('gateway')));
    expect(envVar(c, 'REDIS_PASSWORD').valueFrom?.secretKeyRef).toEqual({
      name: 'mine',
      key: 'redis-password',
    });
    // Without a password setting there is no REDIS_PASSWORD at all.
    const none = container(one<IDeployment>(render([], cluster), 'Deployment', name('gateway')));
    expect(none.env?.some((e) => e.name === 'REDIS_PASSWORD')).toBe(false);
  });

  it("passes Megaphone's URL through the ConfigMap and its token through the Secret only", () => {
    const url = 'https://megaphone.example/v1/broadcasts';
    const objs = render(
      [],
      [
        `config.megaphoneApiUrl=${url}`,
        'config.megaphonePollIntervalMs=5000',
        'secrets.megaphoneApiToken=m3gaph0ne',
      ],
    );
    validateAll(objs);
    const cm = one<IConfigMap>(objs, 'ConfigMap', `${RELEASE}-herald-config`);
    expect(cm.data?.MEGAPHONE_API_URL).toBe(url);
    expect(cm.data?.MEGAPHONE_POLL_INTERVAL_MS).toBe('5000');
    expect(JSON.stringify(cm.data)).not.toContain('m3gaph0ne');
    const secret = one<ISecret>(objs, 'Secret', `${RELEASE}-herald-secrets`);
    expect(Buffer.from(secret.data?.MEGAPHONE_API_TOKEN ?? '', 'base64').toString()).toBe(
      'm3gaph0ne',
    );
    const c = container(one<IDeployment>(objs, 'Deployment', name('gateway')));
    expect(envVar(c, 'MEGAPHONE_API_TOKEN').valueFrom?.secretKeyRef).toEqual({
      name: `${RELEASE}-herald-secrets`,
      key: 'MEGAPHONE_API_TOKEN',
    });
    const mine = render([], [`config.megaphoneApiUrl=${url}`, 'secrets.existingSecret=mine']);
    expect(
      envVar(
        container(one<IDeployment>(mine, 'Deployment', name('gateway'))),
        'MEGAPHONE_API_TOKEN',
      ).valueFrom?.secretKeyRef,
    ).toEqual({ name: 'mine', key: 'MEGAPHONE_API_TOKEN' });
    // Off by default: neither the URL nor a token variable.
    const off = render([], []);
    expect(one<IConfigMap>(off, 'ConfigMap', `${RELEASE}-herald-config`).data).not.toHaveProperty(
      'MEGAPHONE_API_URL',
    );
    const offGateway = container(one<IDeployment>(off, 'Deployment', name('gateway')));
    expect(offGateway.env?.some((e) => e.name === 'MEGAPHONE_API_TOKEN')).toBe(false);
    expect(renderError([`config.megaphoneApiUrl=${url}`])).toContain(
      'config.megaphoneApiUrl needs its token',
    );
    expect(renderError(['config.megaphoneApiUrl=ftp://m'])).toContain('megaphoneApiUrl');
  });

  it('keeps a given ENDPOINT_SECRET verbatim', () => {
    const hex = createHash('sha256').update('herald').digest('hex');
    const objs = render([], [`secrets.endpointSecret=${hex}`]);
    const secret = one<ISecret>(objs, 'Secret', `${RELEASE}-herald-secrets`);
    expect(Buffer.from(secret.data?.ENDPOINT_SECRET ?? '', 'base64').toString()).toBe(hex);
  });

  it('derives PUBLIC_URL from the ingress app Ingress host', () => {
    const objs = render(
      [],
      [
        'ingress.ingress.enabled=true',
        'ingress.ingress.host=updates.example.org',
        'ingress.ingress.tls[0].secretName=tls',
        'ingress.ingress.tls[0].hosts[0]=updates.example.org',
      ],
    );
    const cm = one<IConfigMap>(objs, 'ConfigMap', `${RELEASE}-herald-config`);
    expect(cm.data?.PUBLIC_URL).toBe('https://updates.example.org');
    validateAll(objs);
  });

  it('refuses ambiguous or unsafe settings', () => {
    expect(renderError(['redis.url=redis://r:6379'])).toContain('configure exactly one Redis');
    expect(renderError(['redis.enabled=false'])).toContain('configure exactly one Redis');
    expect(renderError(['redis.enabled=false', 'redis.url=redis://:pw@r:6379'])).toContain(
      'carries a password',
    );
    expect(renderError(['gateway.terminationGracePeriodSeconds=20'])).toContain(
      'gateway: terminationGracePeriodSeconds (20s) must cover preStopSleepSeconds + config.drainTimeoutMs + 5s (30000ms)',
    );
    // Every app exits at most 5 s after DRAIN_TIMEOUT_MS; its grace period must allow for that.
    expect(
      renderError(['config.drainTimeoutMs=30000', 'retryWorker.terminationGracePeriodSeconds=60']),
    ).toContain('ingress: terminationGracePeriodSeconds (30s)');
    expect(renderError(['gateway.replicaz=3'])).toContain('Additional property replicaz');
    expect(renderError(['secrets.endpointSecret=tooshort'])).toContain('secrets.endpointSecret');
    expect(renderError(['redis.enabled=false', 'redis.clusterNodes[0]=no-port'])).toContain(
      'redis.clusterNodes',
    );
    expect(renderError(['secrets.redisPassword=pw'])).toContain('is for redis.clusterNodes');
    expect(
      renderError([
        'redis.enabled=false',
        'redis.clusterNodes[0]=r:6379',
        'secrets.existingSecret=mine',
        'secrets.redisPassword=pw',
      ]),
    ).toContain('secrets.redisPassword is ignored');
  });
});
