export { startRole, runStandalone } from './role-app';
export type { RunningRole, RoleOptions } from './role-app';
