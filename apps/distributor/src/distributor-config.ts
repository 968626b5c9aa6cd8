import { homedir } from 'node:os';
import { join } from 'node:path';

export interface DistributorConfig {
  /** The Herald gateway's WebSocket URL (ws:// or wss://). */
  gatewayUrl: string;
  statePath: string;
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** The bus name suffix: org.unifiedpush.Distributor.<name>. */
  name: string;
  /** How long Register waits for the gateway before answering REGISTRATION_FAILED. */
  registerTimeoutMs: number;
}

export function loadDistributorConfig(env: NodeJS.ProcessEnv = process.env): DistributorConfig {
  const gatewayUrl = env.HERALD_GATEWAY_URL ?? '';
  if (!/^wss?:\/\//.test(gatewayUrl)) {
    throw new Error('HERALD_GATEWAY_URL must be the ws:// or wss:// URL of a Herald gateway');
  }
  const stateHome = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  const level = env.LOG_LEVEL ?? 'info';
  return {
    gatewayUrl,
    statePath: env.HERALD_DISTRIBUTOR_STATE || join(stateHome, 'herald-distributor', 'state.json'),
    logLevel: (['error', 'warn', 'info', 'debug'].includes(level) ? level : 'info') as
      'error' | 'warn' | 'info' | 'debug',
    name: env.HERALD_DISTRIBUTOR_NAME || 'herald',
    registerTimeoutMs: Number(env.HERALD_REGISTER_TIMEOUT_MS) || 10_000,
  };
}
