import 'reflect-metadata';
import { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigModule, HeraldConfig } from '@herald/config';
import { createLogger, Logger, NestPinoLogger } from '@herald/observability';
import { leaseMetricsListener } from './shared-metrics';

const LISTEN_BACKLOG = 4096;

/** One running role (gateway, ingress or worker): its app, its port, and how to stop it. */
export interface RunningRole {
  name: string;
  app: NestFastifyApplication;
  port: number;
  /** The process's metrics listener (METRICS_PORT), shared by the roles it runs. */
  metricsPort: number;
  /** Graceful stop: drain what the role holds, then close. */
  stop(): Promise<void>;
}

export interface RoleOptions {
  name: string;
  module: Type<unknown>;
  config: HeraldConfig;
  port: number;
  fastify?: ConstructorParameters<typeof FastifyAdapter>[0];
  /** Nest's JSON/form body parsers; the ingress turns them off and reads raw bodies itself. */
  bodyParser?: boolean;
  /** Runs after the app is created and before it listens (adapters, parsers). */
  prepare?(app: NestFastifyApplication): void | Promise<void>;
  /** Runs on stop before the app closes (e.g. the gateway's drain). */
  beforeClose?(app: NestFastifyApplication): Promise<void>;
}

export async function startRole(opts: RoleOptions): Promise<RunningRole> {
  const logger = createLogger(opts.name, opts.config.LOG_LEVEL);
  const root: DynamicModule = {
    module: class HeraldRoot {},
    imports: [ConfigModule.forRoot(opts.config), opts.module],
  };
  const app = await NestFactory.create<NestFastifyApplication>(
    root,
    new FastifyAdapter(opts.fastify),
    {
      logger: new NestPinoLogger(logger),
      abortOnError: false,
      bodyParser: opts.bodyParser ?? true,
    },
  );
  await opts.prepare?.(app);
  const metrics = await leaseMetricsListener(
    opts.config.METRICS_PORT,
    opts.config.BIND_HOST,
    logger,
  );
  // A deep accept queue: after a node dies, thousands of clients reconnect within a second, and
  // the kernel drops SYNs beyond the backlog (Node's default is 511).
  await app.listen({ port: opts.port, host: opts.config.BIND_HOST, backlog: LISTEN_BACKLOG });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  logger.info({ port }, `${opts.name} listening`);
  let stopping: Promise<void> | null = null;
  return {
    name: opts.name,
    app,
    port,
    metricsPort: metrics.port,
    stop: () =>
      (stopping ??= (async () => {
        await opts.beforeClose?.(app);
        await app.close();
        await metrics.release();
      })()),
  };
}

/**
 * Runs roles as the main program: SIGTERM/SIGINT stop them gracefully within the drain timeout,
 * a second signal or the timeout forces the exit.
 */
export function runStandalone(
  start: () => Promise<Array<{ stop(): Promise<void> }>>,
  log: Logger,
  timeoutMs: number,
): void {
  let roles: Array<{ stop(): Promise<void> }> = [];
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'stopping');
    const force = setTimeout(() => {
      log.error('stop timed out; exiting');
      process.exit(1);
    }, timeoutMs + 5000);
    force.unref();
    try {
      for (const r of roles) await r.stop();
      process.exit(0);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'stop failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  start()
    .then((r) => {
      roles = r;
    })
    .catch((err: Error) => {
      log.fatal({ err: err.message, stack: err.stack }, 'start failed');
      process.exit(1);
    });
}
