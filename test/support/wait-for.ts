/**
 * Waits until `check` holds, re-checking on each Redis/HTTP round trip it makes: for state that
 * has no event of its own to wait on (a key that expires, a route cleared by another process).
 * Bounded: fails with `what` after timeoutMs.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | false | null | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
}
