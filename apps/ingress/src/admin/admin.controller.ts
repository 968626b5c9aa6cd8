import { Controller, Get, Inject, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { metrics } from '@herald/observability';
import { BroadcastRepository } from '@herald/storage';
import { Errno, sendPushError } from '../http/push-error';
import { checkAdmin } from './admin-auth';
import { AdminThrottle } from './admin-throttle';
import { parseBroadcastsBody } from './broadcasts-body';

/**
 * Operator endpoints, behind `Authorization: Bearer <ADMIN_TOKEN>`:
 * `PUT /admin/broadcasts` sets broadcast versions ({id: version}) and tells every gateway,
 * which tells the clients subscribed to them; `GET /admin/broadcasts` lists them.
 */
@Controller('admin')
export class AdminController {
  private readonly throttle: AdminThrottle;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly broadcasts: BroadcastRepository,
  ) {
    this.throttle = new AdminThrottle(config.ADMIN_AUTH_FAILURES_PER_MINUTE);
  }

  @Get('broadcasts')
  async list(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    if (!this.authorized(req, reply)) return reply;
    return reply.code(200).send({ broadcasts: await this.broadcasts.all() });
  }

  @Put('broadcasts')
  async set(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    if (!this.authorized(req, reply)) return reply;
    const changes = parseBroadcastsBody(req.body);
    if (typeof changes === 'string') return sendPushError(reply, 400, Errno.BAD_BODY, changes);
    const changed = await this.broadcasts.set(changes);
    metrics.broadcastChanges.inc({ source: 'admin' }, Object.keys(changed).length);
    return reply.code(200).send({ changed });
  }

  private authorized(req: FastifyRequest, reply: FastifyReply): boolean {
    const now = Date.now();
    const wait = this.throttle.retryAfter(req.ip, now);
    if (wait) {
      metrics.adminAuthFailures.inc({ result: 'throttled' });
      reply.header('Retry-After', String(wait));
      void sendPushError(
        reply,
        429,
        Errno.RATE_LIMITED,
        'too many failed admin authentications from this address, slow down',
      );
      return false;
    }
    const auth = checkAdmin(this.config.ADMIN_TOKEN, req.headers.authorization);
    if (auth === 'ok') return true;
    if (auth === 'disabled') {
      void sendPushError(reply, 403, Errno.BAD_BODY, 'admin endpoints are off (ADMIN_TOKEN unset)');
    } else {
      this.throttle.failed(req.ip, now);
      metrics.adminAuthFailures.inc({ result: 'unauthorized' });
      reply.header('WWW-Authenticate', 'Bearer');
      void sendPushError(reply, 401, Errno.BAD_BODY, 'admin token required');
    }
    return false;
  }
}
