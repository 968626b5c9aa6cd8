import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureRedisServer } from '../../libs/managed-redis/src'; // globalSetup runs outside jest's module mapping

/** Once per run: redis-server present (installed when root), built output present. */
export default function globalSetup(): void {
  ensureRedisServer();
  const main = join(__dirname, '..', '..', 'dist', 'apps', 'herald', 'src', 'main.js');
  if (!existsSync(main))
    throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
}
