import { Controller, Get, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PushExceptionFilter } from '../http/push-exception.filter';
import { UnifiedPushHttp } from '../unifiedpush/unifiedpush-http';
import { UnifiedPushNotifier } from '../unifiedpush/unifiedpush-notifier';

/**
 * The push endpoint of the seed's server–distributor protocol (MayeulC/PyUPush
 * `UnifiedPush/server.py`): `GET|POST /push/id/<id>`, a UnifiedPush endpoint under the seed's
 * URL. The ids are registered and read on the gateway (`/client/*`, apps/gateway/src/seed),
 * which holds the streams; the ingress holds no client.
 */
@Controller('push/id')
export class SeedPushController {
  constructor(
    private readonly up: UnifiedPushNotifier,
    private readonly upHttp: UnifiedPushHttp,
  ) {}

  @Get(':id')
  async discover(@Param('id') id: string, @Res() reply: FastifyReply) {
    return this.upHttp.discovery(reply, 'seed', await this.up.discover('seed', id));
  }

  @Post(':id')
  @UseFilters(new PushExceptionFilter('unifiedpush'))
  async push(@Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.upHttp.push(reply, 'seed', await this.up.push('seed', id, req));
  }
}
