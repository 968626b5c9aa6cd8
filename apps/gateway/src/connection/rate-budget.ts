/**
 * A token bucket kept as two numbers, for the per-connection budgets (registrations, parse time):
 * `tokens` refill at `perSecond` up to `burst`.
 */
export interface Budget {
  tokens: number;
  at: number;
}

export function fullBudget(burst: number, now: number): Budget {
  return { tokens: burst, at: now };
}

function refill(b: Budget, now: number, perSecond: number, burst: number): void {
  b.tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.at) / 1000) * perSecond);
  b.at = now;
}

/** Takes `cost` if the bucket holds it; false (nothing taken) otherwise. */
export function take(b: Budget, now: number, perSecond: number, burst: number, cost = 1): boolean {
  refill(b, now, perSecond, burst);
  if (b.tokens < cost) return false;
  b.tokens -= cost;
  return true;
}

/**
 * Charges a cost known only after it was spent (time), even into debt; false when the bucket is
 * in debt afterwards.
 */
export function charge(b: Budget, now: number, perSecond: number, burst: number, cost: number) {
  refill(b, now, perSecond, burst);
  b.tokens -= cost;
  return b.tokens >= 0;
}
