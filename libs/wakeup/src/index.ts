export { WakeupPolicy } from './wakeup-policy';
export { WakeupSender, WAKEUP_PAYLOAD } from './wakeup-sender';
export { wakeupPolicyProvider } from './wakeup-policy.provider';
