/** A Herald role as an operator starts it: its built entry point and the line it logs when up. */
export type HeraldRole = 'gateway' | 'ingress' | 'worker' | 'all';

/** Entry points in the built output, relative to the repository root (`npm run build`). */
export const ROLE_ENTRY: Record<HeraldRole, string> = {
  gateway: 'dist/apps/gateway/src/main.js',
  ingress: 'dist/apps/ingress/src/main.js',
  worker: 'dist/apps/retry-worker/src/main.js',
  all: 'dist/apps/herald/src/main.js',
};

/** What each role logs once it listens ('all': once every role does). */
export const ROLE_READY_LINE: Record<HeraldRole, string> = {
  gateway: 'gateway listening',
  ingress: 'ingress listening',
  worker: 'retry-worker listening',
  all: 'Herald is running',
};
