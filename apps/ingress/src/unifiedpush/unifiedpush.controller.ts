import { Controller, Get, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { PUSH_PATHS } from '@herald/tokens';
import { PushExceptionFilter } from '../http/push-exception.filter';
import type { PushReply, PushRequest } from '../http/push-http';
import { UnifiedPushHttp } from './unifiedpush-http';
import { UnifiedPushNotifier } from './unifiedpush-notifier';

/**
 * UnifiedPush endpoints (SERV_1.2.0): `GET /up/<token>` → `{"unifiedpush":{"version":1}}`;
 * `POST /up/<token>` with 1–4096 bytes → 201 + `TTL: 0`; 400 bad request, 401 VAPID, 404 forged
 * token, 410 unregistered, 413 too large, 429 + Retry-After per endpoint, 503 storage. Never a
 * redirect.
 */
@Controller(PUSH_PATHS.unifiedpush)
@UseFilters(new PushExceptionFilter('unifiedpush'))
export class UnifiedPushController {
  constructor(
    private readonly up: UnifiedPushNotifier,
    private readonly http: UnifiedPushHttp,
  ) {}

  @Get(':token')
  async discover(@Param('token') token: string, @Res() reply: PushReply) {
    return this.http.discovery(reply, 'up', await this.up.discover('up', token));
  }

  @Post(':token')
  async push(@Param('token') token: string, @Req() req: PushRequest, @Res() reply: PushReply) {
    return this.http.push(reply, 'up', await this.up.push('up', token, req));
  }
}
