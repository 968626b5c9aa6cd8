import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { ManagedRedis } from '../../libs/managed-redis/src';
import { waitFor } from './wait-for';

const run = promisify(execFile);
const cli = (n: ManagedRedis, ...args: string[]) =>
  run('redis-cli', ['-p', String(n.port), ...args]).then(
    (r) => r.stdout,
    () => '',
  );

/** One row of CLUSTER NODES: the node's address and its flags (master, slave, fail, …). */
function clusterRows(text: string): Array<{ address: string; flags: string[] }> {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '))
    .map(([, address, flags]) => ({ address, flags: (flags ?? '').split(',') }));
}

/**
 * A Redis Cluster of redis-server processes on free ports (masters, each with `replicas`), made
 * with `redis-cli --cluster create` as an operator would; resolves once every slot is served.
 */
export class TestRedisCluster {
  private constructor(readonly nodes: ManagedRedis[]) {}

  static async start(masters = 3, replicas = 0): Promise<TestRedisCluster> {
    const nodes = await Promise.all(
      Array.from({ length: masters * (1 + replicas) }, () =>
        ManagedRedis.start({
          extraArgs: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '2000',
          ],
        }),
      ),
    );
    const cluster = new TestRedisCluster(nodes);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    await waitFor(
      'every node to see the cluster ok and every replica in sync',
      async () => {
        const states = await Promise.all(
          nodes.map((n) => Promise.all([cli(n, 'cluster', 'info'), cli(n, 'info', 'replication')])),
        );
        // A replica that never finished its first sync is not eligible to take over its master.
        return states.every(
          ([info, repl]) =>
            info.includes('cluster_state:ok') &&
            (!repl.includes('role:slave') || repl.includes('master_link_status:up')),
        );
      },
      30_000,
    );
    return cluster;
  }

  /** The nodes that are masters now. */
  async masters(): Promise<ManagedRedis[]> {
    const roles = await Promise.all(this.nodes.map((n) => cli(n, 'role')));
    return this.nodes.filter((_, i) => roles[i].split('\n')[0] === 'master');
  }

  /**
   * After `dead` was killed: waits until every survivor has marked it failed, counts as many
   * healthy masters as before (its replica promoted) and says the cluster is ok.
   */
  async failedOver(dead: ManagedRedis, masters: number): Promise<void> {
    const live = this.nodes.filter((n) => n !== dead);
    await waitFor(
      'the failover to complete',
      async () => {
        const views = await Promise.all(
          live.map((n) => Promise.all([cli(n, 'cluster', 'info'), cli(n, 'cluster', 'nodes')])),
        );
        return views.every(([info, nodes]) => {
          const rows = clusterRows(nodes);
          const deadRow = rows.find((r) => r.address.startsWith(`127.0.0.1:${dead.port}@`));
          const healthyMasters = rows.filter(
            (r) => r.flags.includes('master') && !r.flags.some((f) => f.startsWith('fail')),
          );
          return (
            info.includes('cluster_state:ok') &&
            !!deadRow?.flags.includes('fail') &&
            healthyMasters.length === masters
          );
        });
      },
      30_000,
    );
  }

  /** The value of REDIS_CLUSTER_NODES. */
  get seeds(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  }

  client(): Cluster {
    return new Cluster(this.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })));
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}
