import {
  type FastifyBaseLogger,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';

/** The message of every request's line (JSON readers filter on it; the pretty line is built from its fields). */
export const REQUEST_MESSAGE = 'request';

/** The path of a URL without its query string (which may carry a secret: a reset token, a signature). */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** Whether `log` writes at `level` (pino says; a logger that cannot say is asked anyway). */
function writes(log: FastifyBaseLogger, level: 'info' | 'debug'): boolean {
  const { isLevelEnabled } = log as { isLevelEnabled?: (level: string) => boolean };
  return isLevelEnabled === undefined || isLevelEnabled.call(log, level);
}

/**
 * Fastify's request logging, one line per request: when the response is finished, `method`,
 * `path` (no query string), `status`, `ms` and the request's `reqId`, at info below 500 and
 * at error from 500 on (the error handler logs the error itself, with its stack, before).
 * Replaces Fastify's `incoming request` / `request completed` pair; `incoming request` stays
 * at debug (a test waits for it to know the server has a request in flight). Installed as
 * Fastify's `logController`, so it costs no hook of its own.
 */
export class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (writes(request.log, 'debug')) {
      request.log.debug({ method: request.method, path: pathOf(request.url) }, 'incoming request');
    }
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const status = reply.statusCode;
    // LOG_LEVEL=warn (the benchmark's) builds no line for an answer below 500.
    if (!error && status < 500 && !writes(reply.log, 'info')) return;
    const line = {
      method: request.method,
      path: pathOf(request.url),
      status,
      ms: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (error) reply.log.error({ ...line, err: error }, REQUEST_MESSAGE);
    else if (status >= 500) reply.log.error(line, REQUEST_MESSAGE);
    else reply.log.info(line, REQUEST_MESSAGE);
  }
}
