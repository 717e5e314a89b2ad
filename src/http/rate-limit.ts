/**
 * Rate limits per API key (or per client IP when there is no key), stored in Redis with
 * rate-limiter-flexible 11.4.0 (`RateLimiterRedis`: one counter per subject and fixed window,
 * incremented atomically by a Lua script, so every api process shares it).
 *
 * - Requests: every HTTP request to `/graphql` and `/api/v1` (health routes excepted) and every
 *   graphql-ws subscription ({@link RateLimits.consumeRequest}) counts once against
 *   `RATE_LIMIT_REQUESTS_PER_MINUTE`.
 * - Uploads: a multipart `POST /graphql` also counts against `RATE_LIMIT_UPLOADS_PER_MINUTE`,
 *   checked before the body is read, so a refused upload is never stored.
 * - Window: `RATE_LIMIT_WINDOW_SECONDS` (default 60). It starts at a subject's first request and
 *   the counter resets when it ends (a fixed window, not a sliding one).
 *
 * Refusal: HTTP 429 with `Retry-After` (whole seconds until the window ends); on `/graphql` a
 * GraphQL-shaped body `{ errors: [{ message, extensions: { code: 'RATE_LIMITED', reason,
 * retryAfterSeconds } }] }`, on `/api/v1` `{ error: { code, reason, message, retryAfterSeconds } }`
 * (see `sendError`). Every counted response carries the IETF RateLimit header fields
 * (draft-ietf-httpapi-ratelimit-headers-10, §3-4): `RateLimit-Policy: "requests";q=600;w=60` and
 * `RateLimit: "requests";r=<remaining>;t=<seconds to reset>` (plus an `"uploads"` item on uploads).
 *
 * Redis down: limits fail open to a per-process in-memory limiter with the same numbers
 * (`insuranceLimiter`, a `RateLimiterMemory`). A Redis outage already stops uploads (the queue and
 * the quotas need Redis and answer SERVICE_UNAVAILABLE), but reads, exports and playback only need
 * the database; refusing them because the limiter's store is away would turn a Redis outage into a
 * full outage. Each process still enforces the limit on its own, so a client gets at most
 * (number of api processes) × the limit while Redis is away. `rejectIfRedisNotReady` sends
 * requests to the insurance limiter at once while the connection is down (no 2 s command timeout).
 *
 * Client IP: express's `req.ip`, which honours `TRUST_PROXY` (`app.set('trust proxy', …)`). With
 * TRUST_PROXY=false (default) `X-Forwarded-For` is ignored and clients cannot spoof their IP.
 */
import type { IncomingMessage } from 'node:http';
import express, {
  type Application,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { GraphQLError } from 'graphql';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Principal } from '../auth/principal.js';
import { principalOf } from '../auth/principal.js';
import type { Config } from '../config/config.js';
import { AppError } from '../errors.js';
import { formatDuration } from '../media/index.js';
import { sendError } from './routes.js';

/** Redis key prefix of the counters: `kazru:rl:<kind>:<subject>`. */
export const RATE_LIMIT_KEY_PREFIX = 'kazru:rl';

/** What is counted: every request, or uploads (multipart `POST /graphql`) on top. */
export type RateLimitKind = 'requests' | 'uploads';

/** The state of one counter after a request was counted. */
export interface RateLimitState {
  kind: RateLimitKind;
  /** Allowed per window. */
  limit: number;
  /** Still allowed in this window (0 when refused). */
  remaining: number;
  /** Window length, seconds. */
  windowSeconds: number;
  /** Whole seconds until the window ends and the counter resets (≥ 1). */
  resetSeconds: number;
}

/** A request over a rate limit: AppError RATE_LIMITED, HTTP 429, with `retryAfterSeconds`. */
export class RateLimitedError extends AppError {
  constructor(
    readonly state: RateLimitState,
    subject: string,
  ) {
    const who = subject.startsWith('key:') ? 'this API key' : 'this IP address';
    const what = state.kind === 'uploads' ? 'uploads' : 'requests';
    super(
      'RATE_LIMITED',
      `Too many ${what}: ${who} may make ${state.limit} ${what} per ${formatDuration(state.windowSeconds)}. Try again in ${formatDuration(state.resetSeconds)}.`,
      state.kind === 'uploads' ? 'UPLOADS_PER_MINUTE' : 'REQUESTS_PER_MINUTE',
      state.resetSeconds,
    );
  }
}

/**
 * Who a counter belongs to: `key:<apiKeyId>` when the caller used an API key, else `ip:<ip>`.
 * A key's requests never count against its IP, nor the other way round.
 */
export function rateLimitSubject(principal: Principal, ip: string | undefined): string {
  return principal.keyId ? `key:${principal.keyId}` : `ip:${ip ?? 'unknown'}`;
}

const wholeSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** The request and upload limiters of one process (sharing their counters through Redis). */
export class RateLimits {
  private readonly limiters: Record<RateLimitKind, RateLimiterRedis>;
  private readonly limits: Record<RateLimitKind, number>;

  /**
   * @param redis the app's fail-fast command client (`AppResources.redis`).
   * @param config `config.rateLimits`: points per window and the window in seconds.
   */
  constructor(
    redis: Redis,
    private readonly config: Config['rateLimits'],
  ) {
    this.limits = { requests: config.requestsPerMinute, uploads: config.uploadsPerMinute };
    const make = (kind: RateLimitKind) => {
      const points = this.limits[kind];
      const keyPrefix = `${RATE_LIMIT_KEY_PREFIX}:${kind}`;
      return new RateLimiterRedis({
        storeClient: redis,
        keyPrefix,
        points,
        duration: config.windowSeconds,
        rejectIfRedisNotReady: true,
        // A subject over its limit is refused from memory until its window ends, so a flood
        // costs no Redis round trips.
        inMemoryBlockOnConsumed: points + 1,
        insuranceLimiter: new RateLimiterMemory({
          keyPrefix,
          points,
          duration: config.windowSeconds,
        }),
      });
    };
    this.limiters = { requests: make('requests'), uploads: make('uploads') };
  }

  /**
   * Counts one request (an HTTP request or a graphql-ws subscription).
   * @param ip the client IP (`req.ip`; for WebSockets see {@link clientIpOf}); used when
   *   `principal.keyId` is null.
   * @returns the counter state, for the RateLimit headers.
   * @throws RateLimitedError (RATE_LIMITED, `retryAfterSeconds`) over the limit.
   */
  consumeRequest(principal: Principal, ip: string | undefined): Promise<RateLimitState> {
    return this.consume('requests', rateLimitSubject(principal, ip));
  }

  /**
   * For graphql-ws `onSubscribe`: counts the subscription as one request of the connection's
   * principal (per key, or per IP without one). Returns null when allowed, else the errors to
   * answer with: graphql-ws sends them as this subscription's `error` message (extensions
   * `code: 'RATE_LIMITED'`, `reason`, `retryAfterSeconds`) and the socket stays open.
   * @param ip the client IP of the upgrade request, see {@link clientIpOf}.
   */
  async subscriptionErrors(
    principal: Principal,
    ip: string | undefined,
  ): Promise<readonly GraphQLError[] | null> {
    try {
      await this.consumeRequest(principal, ip);
      return null;
    } catch (err) {
      if (!(err instanceof RateLimitedError)) throw err;
      return [
        new GraphQLError(err.message, {
          extensions: {
            code: err.code,
            reason: err.reason,
            retryAfterSeconds: err.retryAfterSeconds,
          },
        }),
      ];
    }
  }

  /**
   * Counts one upload (on top of {@link consumeRequest}).
   * @throws RateLimitedError (reason UPLOADS_PER_MINUTE) over the limit.
   */
  consumeUpload(principal: Principal, ip: string | undefined): Promise<RateLimitState> {
    return this.consume('uploads', rateLimitSubject(principal, ip));
  }

  /**
   * Forgets a subject's counters (both kinds), e.g. `key:<id>` or `ip:127.0.0.1`. In-memory
   * blocks are cleared in this process only; other api processes keep theirs until the window
   * ends.
   */
  async reset(subject: string): Promise<void> {
    await Promise.all(Object.values(this.limiters).map((l) => l.delete(subject)));
  }

  private async consume(kind: RateLimitKind, subject: string): Promise<RateLimitState> {
    const state = (res: RateLimiterRes): RateLimitState => ({
      kind,
      limit: this.limits[kind],
      remaining: res.remainingPoints,
      windowSeconds: this.config.windowSeconds,
      resetSeconds: wholeSeconds(res.msBeforeNext),
    });
    try {
      return state(await this.limiters[kind].consume(subject));
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        throw new RateLimitedError({ ...state(err), remaining: 0 }, subject);
      }
      throw err;
    }
  }
}

/** Builds the limiters from the configuration. */
export function createRateLimits(redis: Redis, config: Config): RateLimits {
  return new RateLimits(redis, config.rateLimits);
}

/** True for a GraphQL multipart request (an upload), judged from the headers alone. */
export function isUploadRequest(req: Request): boolean {
  return (
    req.method === 'POST' &&
    req.baseUrl === '/graphql' &&
    /^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '')
  );
}

/** Sets the draft IETF `RateLimit-Policy` and `RateLimit` fields for the counted limits. */
function setRateLimitHeaders(res: Response, states: RateLimitState[]): void {
  res.setHeader(
    'RateLimit-Policy',
    states.map((s) => `"${s.kind}";q=${s.limit};w=${s.windowSeconds}`).join(', '),
  );
  res.setHeader(
    'RateLimit',
    states.map((s) => `"${s.kind}";r=${s.remaining};t=${s.resetSeconds}`).join(', '),
  );
}

/** Answers a refused request: 429, Retry-After, and the body shape of the route. */
function refuse(req: Request, res: Response, err: RateLimitedError): void {
  res.setHeader('Retry-After', String(err.state.resetSeconds));
  // An upload's body is never read: close the connection after the answer instead of letting
  // Node drain (read) the rest of a possibly large file.
  if (isUploadRequest(req)) res.setHeader('Connection', 'close');
  if (req.baseUrl === '/graphql') {
    res.status(429).json({
      errors: [
        {
          message: err.message,
          extensions: {
            code: err.code,
            reason: err.reason,
            retryAfterSeconds: err.retryAfterSeconds,
          },
        },
      ],
    });
    return;
  }
  sendError(res, err);
}

/**
 * Express middleware for `/graphql` and `/api/v1`; mount it after authentication (it reads
 * `res.locals.principal` through `principalOf`) and before body parsing (uploads are refused
 * unread). `/api/v1/health/*` is not counted. Over a limit it answers 429 itself; a Redis failure
 * falls back to the in-memory limiter (see module notes), so it never fails a request.
 */
export function rateLimitMiddleware(limits: RateLimits): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.baseUrl === '/api/v1' && req.path.startsWith('/health')) {
      next();
      return;
    }
    const principal = principalOf(res);
    const states: RateLimitState[] = [];
    const check = async () => {
      states.push(await limits.consumeRequest(principal, req.ip));
      if (isUploadRequest(req)) states.push(await limits.consumeUpload(principal, req.ip));
    };
    check().then(
      () => {
        setRateLimitHeaders(res, states);
        next();
      },
      (err: unknown) => {
        if (!(err instanceof RateLimitedError)) {
          next(err);
          return;
        }
        setRateLimitHeaders(res, [...states, err.state]);
        refuse(req, res, err);
      },
    );
  };
}

/**
 * The client IP of a raw request (e.g. a WebSocket upgrade) exactly as express computes `req.ip`
 * for `app`, honouring its `trust proxy` setting (`TRUST_PROXY`): a view of the request on
 * express's request prototype (`express.request`, whose `ip` getter reads `this.app`).
 */
export function clientIpOf(app: Application, request: IncomingMessage): string | undefined {
  const view = Object.create(express.request, {
    app: { value: app },
    headers: { value: request.headers },
    socket: { value: request.socket },
    connection: { value: request.socket },
  }) as Request;
  return view.ip;
}
