import fc from 'fast-check';
import { MessageIdCodec, newMessageKey } from './message-id';
import { ReceiptIdCodec } from './receipt-id';

const codec = new MessageIdCodec(Buffer.alloc(32, 7));
const claims = {
  uaid: '0123456789abcdef0123456789abcdef',
  channelID: 'c0ffee00-1234-4abc-8def-0123456789ab',
  key: newMessageKey(),
};

describe('message ids', () => {
  it('round-trip, are stable for one message and reveal nothing in clear', () => {
    const id = codec.encode(claims);
    expect(id).toMatch(/^[A-Za-z0-9_-]{103}$/);
    expect(codec.decode(id)).toEqual(claims);
    expect(codec.encode(claims)).toBe(id);
    const raw = Buffer.from(id, 'base64url').toString('hex');
    expect(raw).not.toContain(claims.uaid);
    expect(raw).not.toContain(claims.key);
  });

  it('differ per message key', () => {
    expect(codec.encode({ ...claims, key: newMessageKey() })).not.toBe(codec.encode(claims));
  });

  it('refuse any altered, truncated or foreign id', () => {
    const id = codec.encode(claims);
    fc.assert(
      fc.property(fc.nat(id.length - 1), fc.constantFrom(...'ABCabc019_-'), (i, ch) => {
        fc.pre(id[i] !== ch);
        const altered = id.slice(0, i) + ch + id.slice(i + 1);
        // Changing the last character may leave the decoded bytes equal (unused low bits).
        const same = Buffer.from(altered, 'base64url').equals(Buffer.from(id, 'base64url'));
        expect(codec.decode(altered)).toEqual(same ? claims : null);
      }),
    );
    expect(codec.decode(id.slice(0, -1))).toBeNull();
    expect(codec.decode(`${id}A`)).toBeNull();
    expect(codec.decode('')).toBeNull();
    expect(new MessageIdCodec(Buffer.alloc(32, 8)).decode(id)).toBeNull();
  });
});

describe('receipt subscription ids', () => {
  const receipts = new ReceiptIdCodec(Buffer.alloc(32, 7));
  it('are random, authenticated and refuse forgeries', () => {
    const a = receipts.create();
    const b = receipts.create();
    expect(a).not.toBe(b);
    expect(receipts.isGenuine(a)).toBe(true);
    const altered = a.slice(0, 5) + (a[5] === 'A' ? 'B' : 'A') + a.slice(6);
    expect(receipts.isGenuine(altered)).toBe(false);
    expect(receipts.isGenuine('A'.repeat(43))).toBe(false);
    expect(new ReceiptIdCodec(Buffer.alloc(32, 8)).isGenuine(a)).toBe(false);
  });
});
