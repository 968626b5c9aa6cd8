import { AdminThrottle } from './admin-throttle';

describe('AdminThrottle', () => {
  it('refuses an address after `limit` failures until its window ends', () => {
    const t = new AdminThrottle(3, 60_000);
    const t0 = 17 * 60_000; // windows are aligned on whole minutes
    for (let i = 0; i < 3; i++) {
      expect(t.retryAfter('a', t0)).toBe(0);
      t.failed('a', t0);
    }
    expect(t.retryAfter('a', t0 + 1)).toBe(60);
    expect(t.retryAfter('a', t0 + 59_500)).toBe(1);
    expect(t.retryAfter('b', t0 + 1)).toBe(0);
    expect(t.retryAfter('a', t0 + 60_000)).toBe(0);
  });

  it('tracks at most maxAddresses addresses per window', () => {
    const t = new AdminThrottle(1, 60_000, 2);
    for (const a of ['a', 'b', 'c']) t.failed(a, 5);
    expect(t.retryAfter('a', 5)).toBeGreaterThan(0);
    expect(t.retryAfter('b', 5)).toBeGreaterThan(0);
    expect(t.retryAfter('c', 5)).toBe(0);
  });
});
