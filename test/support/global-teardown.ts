/**
 * Once per run, after every spec: a watchdog instead of jest's forceExit. No spec leaves a handle
 * open today, so jest ends by itself; should a failing test leave a socket or a child behind, CI
 * must still end (with jest's own exit code, set on 'exit') rather than hang, and say what held it.
 */
const GRACE_MS = 10_000;

export default function globalTeardown(): void {
  setTimeout(() => {
    const held = process
      .getActiveResourcesInfo()
      .filter((r) => r !== 'TTYWrap')
      .join(', ');
    process.stderr.write(
      `jest: still running ${GRACE_MS / 1000} s after the last spec, held by: ${held}. ` +
        'A spec left a handle open (find it with `npx jest --detectOpenHandles <spec>`); exiting.\n',
    );
    process.exit();
  }, GRACE_MS).unref();
}
