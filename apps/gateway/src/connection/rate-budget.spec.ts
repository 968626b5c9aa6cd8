import { charge, fullBudget, take } from './rate-budget';

describe('rate budget', () => {
  it('gives the burst at once, then the rate', () => {
    const b = fullBudget(3, 0);
    expect([take(b, 0, 1, 3), take(b, 0, 1, 3), take(b, 0, 1, 3), take(b, 0, 1, 3)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(take(b, 999, 1, 3)).toBe(false);
    expect(take(b, 1000, 1, 3)).toBe(true);
    expect(take(b, 1000, 1, 3)).toBe(false);
  });

  it('never refills past the burst', () => {
    const b = fullBudget(2, 0);
    expect(take(b, 60_000, 1, 2, 2)).toBe(true);
    expect(take(b, 60_000, 1, 2)).toBe(false);
  });

  it('charges a spent cost into debt, and recovers with time', () => {
    const b = fullBudget(50, 0);
    expect(charge(b, 0, 50, 50, 30)).toBe(true);
    expect(charge(b, 0, 50, 50, 30)).toBe(false);
    expect(b.tokens).toBe(-10);
    expect(charge(b, 1000, 50, 50, 0)).toBe(true);
  });
});
