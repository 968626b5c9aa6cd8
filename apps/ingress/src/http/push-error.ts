import { Errno, errorBody } from '@herald/webpush';
import type { PushReply } from './push-http';

/** Error bodies in autopush's shape, {code, errno, error, message}, with Herald's one errno table. */
export { Errno };

export function sendPushError<R extends PushReply>(
  reply: R,
  code: number,
  errno: number,
  message: string,
): R {
  if (code === 410) reply.header('Cache-Control', 'max-age=86400');
  if (code === 503) reply.header('Retry-After', '5');
  reply
    .code(code)
    .type('application/json')
    .send(errorBody(code, errno, message));
  return reply;
}

/**
 * 429 + Retry-After for a push to a user already holding WEBPUSH_MAX_MESSAGES_PER_UAID stored
 * messages: they wait for its client, and the push is accepted again once it has read them.
 */
export function sendFull<R extends PushReply>(reply: R, retryAfterSeconds: number): R {
  reply.header('Retry-After', String(retryAfterSeconds));
  return sendPushError(
    reply,
    429,
    Errno.FULL,
    'too many messages waiting for this subscription: retry after Retry-After',
  );
}
