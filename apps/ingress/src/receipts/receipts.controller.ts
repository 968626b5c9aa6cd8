import { Controller, Get, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { metrics } from '@herald/observability';
import { MessageRepository } from '@herald/storage';
import { ReceiptIdCodec } from '@herald/webpush';
import { Errno, sendPushError } from '../http/push-error';

/** Long-polls wait at most this long, and at most this many at once per ingress. */
const MAX_WAIT_SECONDS = 30;
const MAX_WAITERS = 256;

/**
 * RFC 8030 §5.1 push receipts, in a form that needs no HTTP/2 server push:
 * `POST /receipts` creates a receipt subscription (201, Location = its URL); a push carrying
 * `Push-Receipt: <that URL>` gets a `delivered` receipt once the user agent acks it (code 100);
 * `GET <that URL>?wait=<s>` returns and removes the receipts waiting, long-polling up to
 * `wait` seconds (≤ 30) for the first one.
 */
@Controller('receipts')
export class ReceiptsController {
  private waiters = 0;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly ids: ReceiptIdCodec,
    private readonly messages: MessageRepository,
  ) {}

  @Post()
  create(@Res() reply: FastifyReply): FastifyReply {
    const url = `${this.config.PUBLIC_URL}/receipts/${this.ids.create()}`;
    return reply.code(201).header('Location', url).send({ receipts: url });
  }

  @Get(':id')
  async read(
    @Param('id') id: string,
    @Query('wait') wait: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    if (!this.ids.isGenuine(id)) {
      return sendPushError(reply, 404, Errno.INVALID_TOKEN, 'unknown receipt subscription');
    }
    const seconds = Math.min(MAX_WAIT_SECONDS, Math.max(0, Number(wait) || 0));
    const waitMs = this.waiters < MAX_WAITERS ? seconds * 1000 : 0;
    this.waiters += waitMs ? 1 : 0;
    try {
      const receipts = await this.messages.takeReceipts(id, waitMs);
      if (receipts.length) metrics.receipts.inc({ event: 'read' }, receipts.length);
      return reply.code(200).send({ receipts });
    } finally {
      this.waiters -= waitMs ? 1 : 0;
    }
  }
}
