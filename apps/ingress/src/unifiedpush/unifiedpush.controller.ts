import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PUSH_PATHS } from '@herald/tokens';
import { UnifiedPushService } from './unifiedpush-push.service';

/**
 * UnifiedPush endpoints (SERV_1.2.0): `GET /up/<token>` → `{"unifiedpush":{"version":1}}`;
 * `POST /up/<token>` with 1–4096 bytes → 201 + `TTL: 0`; 400 bad request, 401 VAPID, 404 forged
 * token, 410 unregistered, 413 too large, 429 + Retry-After per endpoint, 503 storage. Never a
 * redirect.
 */
@Controller(PUSH_PATHS.unifiedpush)
export class UnifiedPushController {
  constructor(private readonly up: UnifiedPushService) {}

  @Get(':token')
  discover(@Param('token') token: string, @Res() reply: FastifyReply) {
    return this.up.discover('up', token, reply);
  }

  @Post(':token')
  push(@Param('token') token: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.up.push('up', token, req, reply);
  }
}
