import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  nproc: number;
  cpu: string;
  ramGiB: number;
  node: string;
  loadAtStart: number[];
}

export function describeMachine(): Machine {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.+)/.exec(info)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  return {
    nproc: cpus().length,
    cpu: model,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

/** Total CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
export function machineJiffies(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = cpu[3] + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}

/** The kernel's TCP counters that show refused or dropped connects (whole network namespace). */
export const TCP_DROP_COUNTERS = [
  'ListenOverflows',
  'ListenDrops',
  'TCPReqQFullDrop',
  'TCPReqQFullDoCookies',
  'SyncookiesSent',
  'TCPAbortOnData',
  'TCPAbortOnClose',
] as const;

/** TcpExt counters from /proc/net/netstat (what `netstat -s` / `nstat` print). */
export function tcpExt(): Record<string, number> {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith('TcpExt:'));
  const names = lines[i].split(/\s+/).slice(1);
  const values = lines[i + 1].split(/\s+/).slice(1).map(Number);
  const out: Record<string, number> = {};
  names.forEach((n, k) => {
    if ((TCP_DROP_COUNTERS as readonly string[]).includes(n)) out[n] = values[k];
  });
  return out;
}

export function delta(
  a: Record<string, number>,
  b: Record<string, number>,
): Record<string, number> {
  return Object.fromEntries(Object.keys(b).map((k) => [k, b[k] - (a[k] ?? 0)]));
}
