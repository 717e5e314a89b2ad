/**
 * Request-scoped logging and HTTP metrics:
 * - every request gets an id (the caller's `X-Request-Id` when it is a sane token, else a new
 *   UUID), echoed in the `X-Request-Id` response header and carried by `req.log` (pino-http);
 * - one access-log line per request (method, route, status, duration), never bodies, query
 *   strings or headers — uploads and transcripts stay out of the logs;
 * - `kazru_http_request_duration_seconds` by method, route template and status class.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';

/** Caller-supplied request ids are accepted when they match this (else a UUID is generated). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Paths polled by orchestrators and Prometheus; not written to the access log. */
const QUIET_PATHS = new Set(['/api/v1/health/live', '/api/v1/health/ready', '/metrics']);

/** Route label for metrics and logs: the matched template, never the raw path (bounded values). */
export function routeLabel(req: Request): string {
  const path = req.originalUrl.split('?')[0] ?? '';
  if (path === '/graphql') return '/graphql';
  if (req.route) return `${req.baseUrl}${String((req.route as { path: string }).path)}`;
  if (path.startsWith('/assets/')) return '/assets';
  return 'other';
}

/**
 * Builds the pino-http middleware that assigns request ids and writes the access log.
 * @param tenantOf the caller's tenant once authenticated (added to the access-log line; the
 *   auth middleware adds it to `req.log` for the rest of the request).
 */
export function requestLogger(logger: Logger, tenantOf: (res: Response) => string): RequestHandler {
  return pinoHttp({
    logger,
    customProps: (_req, res) => {
      const locals = (res as unknown as Response).locals;
      return locals?.principal ? { tenant: tenantOf(res as unknown as Response) } : {};
    },
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customAttributeKeys: { reqId: 'requestId' },
    autoLogging: { ignore: (req) => QUIET_PATHS.has((req.url ?? '').split('?')[0] ?? '') },
    quietReqLogger: true,
    serializers: {
      req: (req: { method: string; url: string }) => ({
        method: req.method,
        path: req.url.split('?')[0],
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
  }) as unknown as RequestHandler;
}

/** Records `kazru_http_request_duration_seconds` for every request when its response ends. */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const end = metrics.httpRequestSeconds.startTimer();
    res.once('finish', () =>
      end({
        method: req.method,
        route: routeLabel(req),
        status: `${Math.floor(res.statusCode / 100)}xx`,
      }),
    );
    next();
  };
}
