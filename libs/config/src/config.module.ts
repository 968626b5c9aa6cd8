import { Global, Module } from '@nestjs/common';
import { HeraldConfig, loadConfig } from './herald-config';

export const HERALD_CONFIG = Symbol('HERALD_CONFIG');

/** Provides the validated configuration; a role can be given one explicitly (tests, all-in-one). */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: HeraldConfig = loadConfig()) {
    return {
      module: ConfigModule,
      providers: [{ provide: HERALD_CONFIG, useValue: config }],
      exports: [HERALD_CONFIG],
    };
  }
}
