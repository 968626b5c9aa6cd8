import { parseMegaphoneAnswer } from './megaphone-answer';

/** How long one poll may take, body included: autopush's HTTP client timeout. */
export const MEGAPHONE_TIMEOUT_MS = 1_000;
/** Largest answer read: a few hundred broadcasts fit many times over. */
export const MAX_ANSWER_BYTES = 1 << 20;

export type MegaphoneFailure = 'timeout' | 'unreachable' | 'http_error' | 'bad_body';

export type MegaphoneResult =
  | { ok: true; broadcasts: Record<string, string> }
  | { ok: false; reason: MegaphoneFailure; detail: string };

/**
 * The `Authorization` value for MEGAPHONE_API_TOKEN. autopush sends its setting as the whole header
 * value and its own test settings hold `Bearer <hex>`; a bare token gets the `Bearer` scheme, so
 * both forms of the setting reach Megaphone as `Bearer <token>`.
 */
export function megaphoneAuthorization(token: string): string {
  return token.includes(' ') ? token : `Bearer ${token}`;
}

/**
 * One `GET` of the Megaphone URL, as given (autopush appends nothing), redirects followed as
 * autopush's HTTP client follows them. Never throws: every failure is a reason the poller counts.
 */
export class MegaphoneClient {
  private readonly authorization: string;

  constructor(
    private readonly url: string,
    token: string,
    private readonly timeoutMs = MEGAPHONE_TIMEOUT_MS,
  ) {
    this.authorization = megaphoneAuthorization(token);
  }

  async poll(stop?: AbortSignal): Promise<MegaphoneResult> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = stop ? AbortSignal.any([timeout, stop]) : timeout;
    try {
      const res = await fetch(this.url, {
        headers: { authorization: this.authorization, accept: 'application/json' },
        signal,
      });
      if (!res.ok) {
        await res.body?.cancel();
        return failed('http_error', `status ${res.status}`);
      }
      const text = await readCapped(res, MAX_ANSWER_BYTES);
      if (text === null) return failed('bad_body', `larger than ${MAX_ANSWER_BYTES} bytes`);
      const broadcasts = parseMegaphoneAnswer(text);
      if (typeof broadcasts === 'string') return failed('bad_body', broadcasts);
      return { ok: true, broadcasts };
    } catch (err) {
      if (timeout.aborted) return failed('timeout', `no answer within ${this.timeoutMs} ms`);
      return failed('unreachable', describe(err));
    }
  }
}

function failed(reason: MegaphoneFailure, detail: string): MegaphoneResult {
  return { ok: false, reason, detail };
}

/** The body as text, or null past `max` bytes (the rest is not read). */
async function readCapped(res: Response, max: number): Promise<string | null> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    // Leaving the loop cancels the stream: the rest is never read.
    if (size > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** fetch's "fetch failed" says nothing: its cause ("connect ECONNREFUSED …") does. */
function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.message || cause?.code || (err as Error)?.message || String(err);
}
