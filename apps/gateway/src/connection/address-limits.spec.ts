import { AddressLimits } from './address-limits';

describe('AddressLimits', () => {
  it('caps open connections per address and frees a slot on close', () => {
    const l = new AddressLimits(2, 10);
    expect(l.tryOpen('a')).toBe(true);
    expect(l.tryOpen('a')).toBe(true);
    expect(l.tryOpen('a')).toBe(false);
    expect(l.tryOpen('b')).toBe(true);
    l.closed('a');
    expect(l.openFrom('a')).toBe(1);
    expect(l.tryOpen('a')).toBe(true);
    l.closed('b');
    expect(l.openFrom('b')).toBe(0);
  });

  it('allows a burst of one second of hellos, then the refill rate', () => {
    const l = new AddressLimits(100, 5);
    const t = 1_000_000;
    for (let i = 0; i < 5; i++) expect(l.tryHello('a', t)).toBe(true);
    expect(l.tryHello('a', t)).toBe(false);
    expect(l.tryHello('b', t)).toBe(true);
    expect(l.tryHello('a', t + 200)).toBe(true); // 200 ms refills one token at 5/s
    expect(l.tryHello('a', t + 200)).toBe(false);
  });

  it('forgets refilled buckets', () => {
    const l = new AddressLimits(100, 5);
    l.tryHello('a', 0);
    l.sweep(100);
    expect((l as unknown as { buckets: Map<string, unknown> }).buckets.size).toBe(1);
    l.sweep(1000);
    expect((l as unknown as { buckets: Map<string, unknown> }).buckets.size).toBe(0);
  });

  it('gives an address a minute of new UAIDs at once, then the rate, and takes back refunds', () => {
    const l = new AddressLimits(100, 5, 3);
    const t = 1_000_000;
    expect([0, 1, 2, 3].map(() => l.tryNewUaid('a', t))).toEqual([true, true, true, false]);
    expect(l.tryNewUaid('b', t)).toBe(true);
    l.returnNewUaid('a');
    expect(l.tryNewUaid('a', t)).toBe(true);
    expect(l.tryNewUaid('a', t + 19_999)).toBe(false);
    expect(l.tryNewUaid('a', t + 20_000)).toBe(true); // 3 per minute: one every 20 s
    l.sweep(t + 20_000); // b has refilled: forgotten; a has not
    expect((l as unknown as { uaidBuckets: Map<string, unknown> }).uaidBuckets.size).toBe(1);
    l.sweep(t + 80_000);
    expect((l as unknown as { uaidBuckets: Map<string, unknown> }).uaidBuckets.size).toBe(0);
  });
});
