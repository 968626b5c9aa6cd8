import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Errno, sendPushError } from './push-error';

/**
 * Every error the ingress answers, including those Fastify raises before a route runs (body too
 * large, malformed request), in the one documented shape {code, errno, error, message}.
 */
@Catch()
export class PushExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
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
}
