import { metrics } from './herald-metrics';

/** The push protocols the ingress serves: the `protocol` label of herald_push_rejected_total. */
export type PushProtocol = 'simplepush' | 'webpush' | 'unifiedpush';

/**
 * Counts a refused push in herald_push_rejected_total{protocol, reason}, and for one release also
 * in the metric its protocol used before (herald_notifications_rejected_total,
 * herald_webpush_rejected_total), so dashboards and alerts can move over.
 */
export function countRejection(protocol: PushProtocol, reason: string): void {
  metrics.pushRejected.inc({ protocol, reason });
  if (protocol === 'simplepush') metrics.rejected.inc({ reason });
  else if (protocol === 'webpush') metrics.webpushRejected.inc({ reason });
}
