import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Receipt subscription ids (RFC 8030 §5.1): 16 random bytes and a MAC under the server secret,
 * so the ingress refuses made-up ids without asking Redis. The id is a bearer secret of the
 * application server that created it: whoever has it reads its receipts.
 */
export class ReceiptIdCodec {
  private readonly macKey: Buffer;

  constructor(secret: Buffer) {
    this.macKey = Buffer.from(hkdfSync('sha256', secret, 'herald', 'receipt-id/mac', 32));
  }

  create(): string {
    const id = randomBytes(16);
    return Buffer.concat([id, this.mac(id)]).toString('base64url');
  }

  isGenuine(text: string): boolean {
    if (typeof text !== 'string' || text.length !== 43 || !/^[A-Za-z0-9_-]+$/.test(text)) {
      return false;
    }
    const raw = Buffer.from(text, 'base64url');
    return raw.length === 32 && timingSafeEqual(raw.subarray(16), this.mac(raw.subarray(0, 16)));
  }

  private mac(id: Buffer): Buffer {
    return createHmac('sha256', this.macKey).update(id).digest().subarray(0, 16);
  }
}
