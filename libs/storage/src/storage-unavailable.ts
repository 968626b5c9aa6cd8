/**
 * Storage could not do what was asked: Redis is unreachable or failing, or a write reached fewer
 * replicas than required. The one error storage throws for it, whatever the cause (kept as
 * `cause`); the ingress answers it with 503 and Retry-After, the gateway closes the affected socket.
 */
export class StorageUnavailableError extends Error {
  constructor(message = 'storage unavailable', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageUnavailableError';
  }
}

/** The promise's failure, whatever it is, as a StorageUnavailableError. */
export function orUnavailable<T>(p: Promise<T>): Promise<T> {
  return p.catch((err: unknown) => {
    if (err instanceof StorageUnavailableError) throw err;
    throw new StorageUnavailableError(`storage unavailable: ${(err as Error)?.message ?? err}`, {
      cause: err,
    });
  });
}
