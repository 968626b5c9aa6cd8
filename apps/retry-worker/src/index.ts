// The retry worker's public face: what another app (apps/herald) may use, imported as
// @apps/retry-worker.
export { startWorker } from './worker.role';
