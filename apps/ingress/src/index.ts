// The ingress's public face: what another app (apps/herald) may use, imported as @apps/ingress.
export { startIngress } from './ingress.role';
