import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { configSchema, RawConfig } from './config.schema';

/** Validated configuration, with derived values filled in (public URL, secret, node id). */
export interface HeraldConfig extends Omit<
  RawConfig,
  'PUBLIC_URL' | 'ENDPOINT_SECRET' | 'NODE_ID'
> {
  PUBLIC_URL: string;
  endpointSecret: Buffer;
  NODE_ID: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses a secret given as hex (64+ chars) or base64/base64url; at least 32 bytes. */
export function parseSecret(text: string): Buffer {
  const trimmed = text.trim();
  const bytes =
    /^[0-9a-fA-F]+$/.test(trimmed) && trimmed.length % 2 === 0
      ? Buffer.from(trimmed, 'hex')
      : Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length < 32) {
    throw new ConfigError(
      'ENDPOINT_SECRET: needs at least 32 bytes (64 hex characters or 43 base64 characters)',
    );
  }
  return bytes;
}

function devSecret(dataDir: string): Buffer {
  // Development only: keep one generated secret so endpoints survive a restart.
  const file = join(dataDir, 'endpoint-secret');
  if (existsSync(file)) return parseSecret(readFileSync(file, 'utf8'));
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32);
  writeFileSync(file, secret.toString('hex') + '\n', { mode: 0o600 });
  return secret;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): HeraldConfig {
  // Empty strings count as unset, as shells and Helm often export them that way.
  const cleaned = Object.fromEntries(
    Object.keys(configSchema.shape)
      .filter((k) => env[k] !== undefined && env[k] !== '')
      .map((k) => [k, env[k]]),
  );
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) =>
        `${i.path.join('.')}: ${i.message} (got ${JSON.stringify(cleaned[String(i.path[0])])})`,
    );
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const raw = parsed.data;
  if (raw.NODE_ENV === 'production' && !raw.ENDPOINT_SECRET) {
    throw new ConfigError('ENDPOINT_SECRET: required when NODE_ENV=production');
  }
  if (raw.REDIS_URL && raw.REDIS_CLUSTER_NODES) {
    throw new ConfigError(
      'REDIS_CLUSTER_NODES: set either REDIS_URL or REDIS_CLUSTER_NODES, not both',
    );
  }
  if (raw.REDELIVERY_MAX_DELAY_MS < raw.REDELIVERY_DELAY_MS) {
    throw new ConfigError('REDELIVERY_MAX_DELAY_MS: must be at least REDELIVERY_DELAY_MS');
  }
  if (raw.MEGAPHONE_API_URL && !raw.MEGAPHONE_API_TOKEN) {
    // As autopush: a Megaphone without a token would answer 401 to every poll.
    throw new ConfigError('MEGAPHONE_API_TOKEN: required when MEGAPHONE_API_URL is set');
  }
  const { ENDPOINT_SECRET, PUBLIC_URL, NODE_ID, ...rest } = raw;
  return {
    ...rest,
    PUBLIC_URL: (PUBLIC_URL ?? `http://localhost:${raw.INGRESS_PORT}`).replace(/\/+$/, ''),
    endpointSecret: ENDPOINT_SECRET ? parseSecret(ENDPOINT_SECRET) : devSecret(raw.HERALD_DATA_DIR),
    NODE_ID:
      NODE_ID ??
      `${hostname()
        .replace(/[^A-Za-z0-9_.-]/g, '-')
        .slice(0, 40)}-${randomBytes(4).toString('hex')}`,
  };
}

/** For a program's entry point: the configuration, or a clear message and exit code 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): HeraldConfig {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`herald: ${err.message}\n`);
    process.exit(1);
  }
}
