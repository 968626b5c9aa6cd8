import { Controller, Delete, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { metrics } from '@herald/observability';
import { MessageRepository } from '@herald/storage';
import { MessageIdCodec } from '@herald/webpush';
import { Errno, sendPushError } from '../http/push-error';

/**
 * `DELETE /m/<message id>`: the application server cancels a message not yet acknowledged.
 * 204 cancelled; 404 for a forged id (refused without Redis) or a message already delivered,
 * expired or cancelled.
 */
@Controller('m')
export class MessageController {
  constructor(
    private readonly ids: MessageIdCodec,
    private readonly messages: MessageRepository,
  ) {}

  @Delete(':id')
  async cancel(@Param('id') id: string, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const claims = this.ids.decode(id);
    if (!claims) return sendPushError(reply, 404, Errno.INVALID_TOKEN, 'unknown message');
    const { existed } = await this.messages.delete(claims.uaid, claims.key);
    if (!existed) {
      return sendPushError(reply, 404, Errno.INVALID_TOKEN, 'message delivered, expired or gone');
    }
    metrics.webpushCancelled.inc();
    return reply.code(204).send();
  }
}
