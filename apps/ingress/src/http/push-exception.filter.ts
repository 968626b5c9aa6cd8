import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { countRejection, metrics, PushProtocol } from '@herald/observability';
import { StorageUnavailableError } from '@herald/storage';
import { Errno, sendPushError } from './push-error';
import type { PushReply, PushRequest } from './push-http';

/**
 * Every error the ingress answers, including those Fastify raises before a route runs (body too
 * large, malformed request), in the one documented shape {code, errno, error, message}. Storage
 * being unavailable is 503 with Retry-After, wherever it happens: no controller catches it.
 * Bound globally, and on each push controller with its protocol, so that a push refused for
 * storage is counted as a rejection of that protocol.
 */
@Catch()
export class PushExceptionFilter implements ExceptionFilter {
  constructor(private readonly protocol: PushProtocol | null = null) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    answerPushException(
      exception,
      this.protocol,
      http.getRequest<PushRequest>(),
      http.getResponse<PushReply>(),
    );
  }
}

/** The filter's answer, also given by the fast path (hot-routes.ts), which no Nest filter wraps. */
export function answerPushException(
  exception: unknown,
  protocol: PushProtocol | null,
  req: PushRequest,
  reply: PushReply,
): void {
  if (exception instanceof StorageUnavailableError) {
    // A push refused, not an endpoint discovery (GET).
    if (protocol && req.method !== 'GET') countStorage(protocol, req.url);
    void sendPushError(reply, 503, Errno.STORAGE, 'storage unavailable, retry later');
    return;
  }
  const status =
    exception instanceof HttpException
      ? exception.getStatus()
      : ((exception as { statusCode?: number }).statusCode ?? 500);
  const code = status >= 400 && status < 600 ? status : 500;
  const errno = code === 413 ? Errno.TOO_LARGE : code >= 500 ? Errno.INTERNAL : Errno.BAD_BODY;
  const message =
    code === 413
      ? 'body too large'
      : code >= 500
        ? 'internal error'
        : ((exception as Error).message ?? 'bad request');
  void sendPushError(reply, code, errno, message);
}

function countStorage(protocol: PushProtocol, url: string): void {
  countRejection(protocol, 'storage');
  if (protocol !== 'unifiedpush') return;
  // herald_unifiedpush_pushes_total counts every answer, 503 included, by the URL it came on.
  metrics.unifiedpushPushes.inc({ path: url.startsWith('/up/') ? 'up' : 'seed', status: '503' });
}
