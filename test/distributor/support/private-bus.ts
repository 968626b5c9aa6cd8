import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private session bus: `dbus-daemon --print-address --nofork` with a minimal session
 * configuration written into a temp dir (anyone on it may own any name and call anything), so
 * the test never touches the user's real session.
 */
export interface PrivateBus {
  address: string;
  dir: string;
  /** Where .service files make names activatable (the bus reads it when a name is called). */
  servicesDir: string;
  stop(): Promise<void>;
}

export async function startPrivateBus(): Promise<PrivateBus> {
  execFileSync('sh', [join(__dirname, '..', '..', '..', 'scripts', 'ensure-dbus.sh')], {
    stdio: 'inherit',
  });
  const dir = mkdtempSync(join(tmpdir(), 'herald-dbus-'));
  mkdirSync(join(dir, 'services'));
  const config = join(dir, 'session.conf');
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${join(dir, 'bus')}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>${join(dir, 'services')}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const proc: ChildProcess = spawn(
    'dbus-daemon',
    // The configuration says <type>session</type> (--session would load the system's file).
    ['--print-address', '--nofork', `--config-file=${config}`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl).trim());
    });
    proc.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code})`)));
  });
  return {
    address,
    dir,
    servicesDir: join(dir, 'services'),
    stop: async () => {
      proc.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `gdbus call` on the private bus: an independent D-Bus client. Resolves with its output. */
export function gdbusCall(address: string, dest: string, method: string, args: string[]) {
  return new Promise<string>((resolve, reject) => {
    execFile(
      'gdbus',
      [
        'call',
        '--address',
        address,
        '--dest',
        dest,
        '--object-path',
        '/org/unifiedpush/Distributor',
        '--method',
        method,
        ...args,
      ],
      { timeout: 20_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message} ${stderr}`)) : resolve(stdout.trim()),
    );
  });
}
