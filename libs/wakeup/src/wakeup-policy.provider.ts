import { Provider } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { WakeupPolicy } from './wakeup-policy';

export const wakeupPolicyProvider: Provider = {
  provide: WakeupPolicy,
  useFactory: (c: HeraldConfig) => new WakeupPolicy(c.WAKEUP_ENABLED, c.WAKEUP_ALLOWED_CIDRS),
  inject: [HERALD_CONFIG],
};
