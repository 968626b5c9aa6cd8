import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Bodies are read raw (a Buffer), whatever the content type: SimplePush sends a form, Web Push
 * and UnifiedPush send opaque bytes that must reach the client byte for byte. Size is capped by
 * Fastify's bodyLimit, which answers 413 (shaped by PushExceptionFilter).
 */
export function installRawBodies(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    '*',
    { parseAs: 'buffer' },
    (_req: FastifyRequest, body: Buffer, done) => done(null, body),
  );
}
