export {
  RedeliveryQueue,
  QUEUE_NAME,
  QUEUE_PREFIX,
  redeliveryDelay,
  redeliverJobId,
} from './redelivery-queue';
export type { RedeliverJob } from './redelivery-queue';
export { RedeliveryModule } from './redelivery.module';
