export { configSchema } from './config.schema';
export type { RawConfig } from './config.schema';
export { loadConfig, loadConfigOrExit, parseSecret, ConfigError } from './herald-config';
export type { HeraldConfig } from './herald-config';
export { ConfigModule, HERALD_CONFIG } from './config.module';
export { clientAddress, parseTrustProxy, trustProxyFn } from './trust-proxy';
export type { TrustProxyFn } from './trust-proxy';
