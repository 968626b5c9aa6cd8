import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What `/__version__` answers: Dockerflow's version object. */
export interface VersionInfo {
  source: string;
  version: string;
  commit: string;
  build: string;
}

/**
 * Dockerflow's convention: an image build writes `version.json` (source, version, commit, build)
 * into the working directory. Without one (a clone, `npm start`), the version is package.json's
 * and the commit unknown.
 */
export function readVersionInfo(cwd = process.cwd()): VersionInfo {
  const fromBuild = readJson(join(cwd, 'version.json'));
  const pkg = packageJson();
  return {
    source: str(fromBuild?.source) ?? str(pkg?.homepage) ?? '',
    version: str(fromBuild?.version) ?? str(pkg?.version) ?? '0.0.0',
    commit: str(fromBuild?.commit) ?? '',
    build: str(fromBuild?.build) ?? '',
  };
}

/** Herald's own package.json: the nearest one above this file (src/ and dist/ alike). */
function packageJson(): Record<string, unknown> | null {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const found = readJson(join(dir, 'package.json'));
    if (found?.name === 'herald') return found;
    if (dirname(dir) === dir) return null;
  }
}

function readJson(path: string): Record<string, unknown> | null {
  if (!existsSync(path)) return null;
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
