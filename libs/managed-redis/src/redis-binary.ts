import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const CANDIDATE_DIRS = ['/usr/bin', '/usr/local/bin', '/usr/sbin', '/opt/homebrew/bin'];

function onPath(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...CANDIDATE_DIRS];
  for (const dir of dirs) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/**
 * The path of `redis-server`. When it is missing and we are root on Debian/Ubuntu, installs
 * Debian's package first (one step of the two-command set-up); otherwise explains how to get one.
 */
export function ensureRedisServer(
  log: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): string {
  const found = onPath('redis-server');
  if (found) return found;
  const apt = onPath('apt-get');
  if (apt && process.getuid?.() === 0) {
    log('redis-server not found: installing Debian package redis-server (apt-get)');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () =>
      spawnSync(apt, ['install', '-y', '-qq', 'redis-server'], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env,
      });
    if (install().status !== 0) {
      spawnSync(apt, ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
      install();
    }
    const installed = onPath('redis-server');
    if (installed) return installed;
  }
  throw new RedisUnavailableError(
    'redis-server is not installed. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`, ' +
      'macOS: `brew install redis`) or set REDIS_URL to a running Redis.',
  );
}
