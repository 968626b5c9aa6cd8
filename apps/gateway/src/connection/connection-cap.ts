import { readFileSync } from 'node:fs';

/**
 * Descriptors kept for everything but client sockets: Redis connections, the listening sockets,
 * the metrics server, logs. A full gateway at the limit showed about 25 in use.
 */
export const RESERVED_DESCRIPTORS = 256;

/** The soft limit on open files in `/proc/self/limits` text; null when unknown or unlimited. */
export function openFilesLimit(limitsText: string): number | null {
  const line = limitsText.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (!soft || !/^\d+$/.test(soft)) return null;
  return Number(soft);
}

/**
 * How many client sockets one gateway takes: MAX_CONNECTIONS, or fewer when the process's
 * descriptor limit cannot hold that many. Past the limit accept() fails with EMFILE, and so would
 * the reconnect of the gateway's own Redis link: better to turn clients away (1013) in time.
 */
export function connectionCap(maxConnections: number, fdLimit: number | null): number {
  if (fdLimit === null) return maxConnections;
  return Math.max(1, Math.min(maxConnections, fdLimit - RESERVED_DESCRIPTORS));
}

/** This process's descriptor limit (Linux; null elsewhere). Node raises the soft limit to the hard one. */
export function processOpenFilesLimit(): number | null {
  try {
    return openFilesLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return null;
  }
}
