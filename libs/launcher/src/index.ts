// Herald's processes as tests and the bench start them: from the built output, as an operator
// runs them. Not used by the service itself.
export { REPO_ROOT } from './repo-root';
export { ROLE_ENTRY, ROLE_READY_LINE } from './herald-role';
export type { HeraldRole } from './herald-role';
export { NodeProcess, killLaunched, spawnNode } from './node-process';
export type { LaunchOptions } from './node-process';
