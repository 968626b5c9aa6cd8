import { randomUUID } from 'node:crypto';

const HEX32 = /^[0-9a-f]{32}$/;
const DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A new UAID: 32 lowercase hex characters (a random UUID without dashes). */
export function newUaid(): string {
  return randomUUID().replace(/-/g, '');
}

/**
 * The canonical form of a client-supplied UAID, or null when it is not one of ours.
 * A dashed UUID names the same UAID as its undashed form; case does not matter.
 */
export function normalizeUaid(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 36) return null;
  const lower = value.toLowerCase();
  if (HEX32.test(lower)) return lower;
  if (DASHED.test(lower)) return lower.replace(/-/g, '');
  return null;
}

/** The first 8 characters, for logs: a UAID is a bearer secret and is never logged whole. */
export function redactUaid(uaid: string): string {
  return `${uaid.slice(0, 8)}…`;
}
