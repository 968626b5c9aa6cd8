/** One caller's place in a batch: what its own part of the batch's reply settles. */
export interface Waiting<R> {
  resolve(reply: R): void;
  reject(err: unknown): void;
}

/**
 * Runs `items` as script calls of at most `max` each (a script holds Redis while it runs), all
 * issued at once: each call's replies, one per item in order, settle its items; a failed call
 * fails each of its items. Resolves once every call is answered.
 */
export function callInChunks<T extends Waiting<R>, R>(
  items: T[],
  max: number,
  call: (chunk: T[]) => Promise<R[]>,
): Promise<void> {
  const calls: Array<Promise<void>> = [];
  for (let i = 0; i < items.length; i += max) {
    const chunk = items.slice(i, i + max);
    calls.push(
      call(chunk).then(
        (replies) => {
          for (let k = 0; k < chunk.length; k++) chunk[k].resolve(replies[k]);
        },
        (err: unknown) => {
          for (const item of chunk) item.reject(err);
        },
      ),
    );
  }
  return Promise.all(calls).then(() => undefined);
}
