import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { ManagedRedis } from '../../libs/managed-redis/src';
import { waitFor } from './wait-for';

const run = promisify(execFile);

/**
 * A Redis Cluster of `masters` redis-server processes on free ports, made with
 * `redis-cli --cluster create` as an operator would; resolves once every slot is served.
 */
export class TestRedisCluster {
  private constructor(readonly nodes: ManagedRedis[]) {}

  static async start(masters = 3): Promise<TestRedisCluster> {
    const nodes = await Promise.all(
      Array.from({ length: masters }, () =>
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
      '0',
      '--cluster-yes',
    ]);
    await waitFor('every node to see the cluster ok', async () => {
      const states = await Promise.all(
        nodes.map((n) => run('redis-cli', ['-p', String(n.port), 'cluster', 'info'])),
      );
      return states.every((s) => s.stdout.includes('cluster_state:ok'));
    });
    return cluster;
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
