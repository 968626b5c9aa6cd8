// The gateway's public face: what another app (apps/herald) may use, imported as @apps/gateway.
export { startGateway } from './gateway.role';
