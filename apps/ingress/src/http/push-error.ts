import { Errno } from '@herald/webpush';
import type { PushReply } from './push-http';

/** Error bodies in autopush's shape, {code, errno, error, message}, with Herald's one errno table. */
export { Errno };

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function pushErrorBody(code: number, errno: number, message: string) {
  return { code, errno, error: STATUS_TEXT[code] ?? 'Error', message };
}

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
    .send(pushErrorBody(code, errno, message));
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
