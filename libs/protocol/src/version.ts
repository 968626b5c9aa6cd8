/**
 * SimplePush versions: integers 0 ≤ v ≤ 2^63−1. They travel as canonical decimal strings
 * (no sign, no leading zeros) so no digit is lost to IEEE doubles anywhere: in JSON, in Lua, in
 * Redis. Compare them with {@link compareVersions}, never as numbers.
 */
export const MAX_VERSION = (1n << 63n) - 1n;

const DIGITS = /^[0-9]{1,19}$/;

/** The canonical string of a version given as a decimal string or a safe integer, else null. */
export function parseVersion(value: unknown): string | null {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) return null;
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return null;
  }
  if (!DIGITS.test(text)) return null;
  // Up to 18 digits is always ≤ MAX_VERSION (19 digits): canonical unless it has a leading zero.
  // Only the rest (a 19-digit run, or leading zeros) takes the BigInt round trip.
  if (text.length < 19 && (text.length === 1 || text.charCodeAt(0) !== 48)) return text;
  const big = BigInt(text);
  return big <= MAX_VERSION ? big.toString() : null;
}

/** Negative, zero or positive as a is older, equal or newer than b (both canonical). */
export function compareVersions(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The version used when an AppServer sends none: the current UTC time in seconds. */
export function versionFromClock(nowMs: number): string {
  return String(Math.floor(nowMs / 1000));
}
