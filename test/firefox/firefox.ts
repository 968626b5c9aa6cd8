import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Debian's firefox-esr, headless, driven only by its profile and the page's own JavaScript
 * (no geckodriver). scripts/ensure-firefox.sh installs it when missing.
 */
export function ensureFirefox(): string | null {
  try {
    const out = execFileSync(join(__dirname, '..', '..', 'scripts', 'ensure-firefox.sh'), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 600_000,
    });
    return out.trim().split('\n').pop() || null;
  } catch {
    return null;
  }
}

export function newProfile(): string {
  return mkdtempSync(join(tmpdir(), 'herald-firefox-'));
}

/** Prefs for Web Push against a ws:// Herald gateway, with nothing else reaching the network. */
export function writePrefs(profile: string, pushServerUrl: string): void {
  const prefs: Record<string, string | number | boolean> = {
    'dom.push.serverURL': pushServerUrl,
    'dom.push.testing.allowInsecureServerURL': true,
    'dom.push.enabled': true,
    'dom.push.connection.enabled': true,
    'dom.push.alwaysConnect': true,
    'dom.push.maxQuotaPerSubscription': 1000,
    'dom.serviceWorkers.enabled': true,
    'dom.serviceWorkers.testing.enabled': true,
    'permissions.default.desktop-notification': 1,
    'browser.shell.checkDefaultBrowser': false,
    'browser.startup.homepage_override.mstone': 'ignore',
    'browser.aboutwelcome.enabled': false,
    'browser.sessionstore.resume_from_crash': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.reportingpolicy.firstRun': false,
    'app.update.disabledForTesting': true,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'browser.safebrowsing.update.enabled': false,
    'extensions.update.enabled': false,
    'services.settings.server': 'http://127.0.0.1:9/v1',
    // Push service logs on stdout: the test shows them when something goes wrong.
    'dom.push.loglevel': 'debug',
    'devtools.console.stdout.chrome': true,
  };
  writeFileSync(
    join(profile, 'user.js'),
    Object.entries(prefs)
      .map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`)
      .join('\n') + '\n',
  );
}

export interface RunningFirefox {
  proc: ChildProcess;
  output(): string;
  /** SIGTERM to its process group (its content processes too); resolves on exit. */
  stop(): Promise<void>;
}

export function startFirefox(binary: string, profile: string, url: string): RunningFirefox {
  const proc = spawn(binary, ['--headless', '--no-remote', '--profile', profile, url], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MOZ_HEADLESS: '1', HOME: profile, MOZ_CRASHREPORTER_DISABLE: '1' },
  });
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    output: () => out,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null && proc.pid) {
        try {
          process.kill(-proc.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      await exited;
    },
  };
}
