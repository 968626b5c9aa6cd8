import { Provider } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { MessageIdCodec } from './message-id';
import { ReceiptIdCodec } from './receipt-id';

/** Message and receipt id codecs under the configured secret. */
export const messageIdCodecProvider: Provider = {
  provide: MessageIdCodec,
  useFactory: (c: HeraldConfig) => new MessageIdCodec(c.endpointSecret),
  inject: [HERALD_CONFIG],
};

export const receiptIdCodecProvider: Provider = {
  provide: ReceiptIdCodec,
  useFactory: (c: HeraldConfig) => new ReceiptIdCodec(c.endpointSecret),
  inject: [HERALD_CONFIG],
};
