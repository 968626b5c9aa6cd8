import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Readiness } from './readiness';

/** Liveness and readiness on every role's port. Metrics have their own listener (METRICS_PORT). */
@Controller()
export class HealthController {
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
}
