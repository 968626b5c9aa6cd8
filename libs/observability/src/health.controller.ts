import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Readiness } from './readiness';
import { readVersionInfo, VersionInfo } from './version-info';

/**
 * Liveness and readiness on every role's port, under Herald's names (/livez, /healthz) and
 * Dockerflow's, which autopush serves and Mozilla-style deploy tooling and load balancers poll.
 * Metrics have their own listener (METRICS_PORT).
 */
@Controller()
export class HealthController {
  private readonly version: VersionInfo = readVersionInfo();

  constructor(private readonly readiness: Readiness) {}

  /** Liveness: the process answers. Restarting it would not help a Redis outage. */
  @Get('livez')
  live() {
    return { status: 'ok' };
  }

  /** Readiness: Redis reachable and not draining. */
  @Get('healthz')
  async ready(@Res() reply: FastifyReply) {
    const { ready, detail } = await this.readiness.status();
    await reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', ...detail });
  }

  /** Dockerflow's load-balancer check: the process answers (an empty 200, as autopush's). */
  @Get('__lbheartbeat__')
  async lbHeartbeat(@Res() reply: FastifyReply) {
    await reply.code(200).send();
  }

  /**
   * Dockerflow's heartbeat (and autopush's /health): the backends, 503 when one is down. A
   * draining node is still healthy here; /healthz is what takes it out of rotation.
   */
  @Get(['__heartbeat__', 'health'])
  async heartbeat(@Res() reply: FastifyReply) {
    const checks = await this.readiness.dependencies();
    const ok = Object.values(checks).every((v) => v === 'ok');
    const body: Record<string, unknown> = {
      status: ok ? 'OK' : 'NOT OK',
      version: this.version.version,
    };
    for (const [name, v] of Object.entries(checks))
      body[name] = v === 'ok' ? { status: 'OK' } : { status: 'NOT OK', cause: v };
    await reply.code(ok ? 200 : 503).send(body);
  }

  /** autopush's /status: the process answers, with its version. */
  @Get('status')
  status() {
    return { status: 'OK', version: this.version.version };
  }

  /** Dockerflow's /__version__: the image's version.json, or package.json's version. */
  @Get('__version__')
  versionInfo() {
    return this.version;
  }
}
