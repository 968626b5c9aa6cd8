import { Provider } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { createLogger } from './logger';

/** A role's JSON logger under its own injection token. */
export function loggerProvider(token: symbol, role: string): Provider {
  return {
    provide: token,
    useFactory: (c: HeraldConfig) => createLogger(role, c.LOG_LEVEL),
    inject: [HERALD_CONFIG],
  };
}
