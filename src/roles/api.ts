/**
 * The api role: HTTP (express 5) + GraphQL (Apollo Server 5, uploads via
 * graphql-upload-minimal) + GraphQL subscriptions over WebSocket (graphql-ws on `ws`), all on
 * one port, at `/graphql`.
 */
import { warmMediaTools } from '../media/index.js';
import http from 'node:http';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { graphqlUploadExpress } from 'graphql-upload-minimal';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import {
  authenticateConnection,
  authMiddleware,
  closeCodeFor,
  keyStillValid,
} from '../auth/middleware.js';
import { UnauthenticatedError } from '../auth/keys.js';
import { OPEN_PRINCIPAL, principalOf, type Principal } from '../auth/principal.js';
import { UrlSigner } from '../auth/signed-url.js';
import { createContext, type GraphQLContext } from '../graphql/context.js';
import { JobReads } from '../graphql/job-reads.js';
import { createSharedSubscribe } from '../graphql/shared-subscribe.js';
import type { DirectTarget } from '../graphql/direct-send.js';
import { createArmor, masksSuggestions } from '../graphql/armor.js';
import { createFormatError, createWsErrorFormatter } from '../graphql/errors.js';
import { operationsPlugin } from '../graphql/plugins.js';
import { logSocketErrors } from '../graphql/ws-errors.js';
import { httpMetrics, requestLogger } from '../http/observability.js';
import { createApiRouter, errorHandler } from '../http/routes.js';
import { clientIpOf, createRateLimits, rateLimitMiddleware } from '../http/rate-limit.js';
import { serviceInfoFrom } from '../graphql/types/service-info.js';
import { createStaticRouter } from '../http/static.js';
import { securityHeaders } from '../http/security-headers.js';
import { applyKeepAlive } from '../http/keep-alive.js';
import { DEFAULT_LINGER_MS, lingeringClose } from '../http/lingering-close.js';
import type { AppResources } from '../app.js';

/** A running api: its bound port and a function that stops it. */
export interface ApiHandle {
  port: number;
  server: http.Server;
  /** The graphql-ws server's sockets (tests read their `bufferedAmount`). */
  wsServer: WebSocketServer;
  close(): Promise<void>;
}

/**
 * Apollo's CSRF prevention refuses a multipart POST without `Apollo-Require-Preflight` (or
 * `X-Apollo-Operation-Name`), but only after graphql-upload has read the body; this refuses it
 * first, the same way (400 BAD_REQUEST), so a cross-site form post never reaches the disk.
 */
function refuseMultipartWithoutPreflight(
  req: express.Request,
  res: express.Response,
  next: express.NextFunction,
): void {
  const multipart = req.method === 'POST' && req.is('multipart/form-data');
  if (!multipart || req.get('apollo-require-preflight') || req.get('x-apollo-operation-name')) {
    next();
    return;
  }
  res
    .status(400)
    .set('Connection', 'close')
    .json({
      errors: [
        {
          message:
            'This request has been blocked as a potential Cross-Site Request Forgery (CSRF). Uploads must send the header "Apollo-Require-Preflight: true".',
          extensions: { code: 'BAD_REQUEST' },
        },
      ],
    });
}

/**
 * Starts the api on `config.port` (0 picks a free port).
 * @throws when the port cannot be bound.
 */
export async function startApi(res: AppResources, schema: GraphQLSchema): Promise<ApiHandle> {
  const { config, logger, orm, jobs, events, metrics } = res;
  const app = express();
  app.disable('x-powered-by');
  // Client IPs (per-IP rate limits, logs) from X-Forwarded-For only via trusted proxies.
  app.set('trust proxy', config.trustProxy);
  // First: a refusal sent before the body was read still reaches the client (see the module).
  app.use(
    lingeringClose({
      // The largest upload plus its multipart fields (operations/map, maxFieldSize 1 MiB each).
      maxBytes: config.maxUploadBytes + 2 * 1024 * 1024 + 64 * 1024,
      ...DEFAULT_LINGER_MS,
    }),
  );
  const rateLimits = createRateLimits(res.redis, config);
  app.use(securityHeaders());
  app.use(requestLogger(logger, (res) => principalOf(res).tenantId));
  app.use(httpMetrics(metrics));
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const server = http.createServer(app);
  applyKeepAlive(server, config.httpKeepAliveTimeoutSeconds);
  // fluent-ffmpeg's capability lists, filled now rather than on the first upload's probe.
  warmMediaTools().catch((err: Error) =>
    logger.warn({ err: err.message }, 'could not list ffmpeg formats; media checks may fail'),
  );
  const serviceInfo = serviceInfoFrom(config, res.engines);
  const signer = new UrlSigner(res.redis);
  const jobReads = new JobReads(jobs, () => orm.em.fork());
  const auth = { mode: config.authMode, orm, signer };

  // Same limits and error masking on HTTP and WebSocket (src/graphql/armor.ts, errors.ts).
  const armor = createArmor(config.graphql);
  const formatError = createFormatError({
    maskSuggestions: masksSuggestions(config.nodeEnv, config.graphql),
  });
  const wsLog = logger.child({ transport: 'ws' });
  // One child logger per tenant, not per subscription (a pino child holds its own bindings).
  const wsLogs = new Map<string, Logger>();
  const wsLogOf = (tenant: string) => {
    let log = wsLogs.get(tenant);
    if (!log) wsLogs.set(tenant, (log = wsLog.child({ tenant })));
    return log;
  };
  const formatWsError = createWsErrorFormatter(formatError, (err) =>
    wsLog.error({ err: err.originalError ?? err }, 'unexpected GraphQL error'),
  );

  // Each subscription's socket and id, by its context (for direct sends, see shared-subscribe).
  const wsTargets = new WeakMap<GraphQLContext, DirectTarget>();
  const wsServer = new WebSocketServer({
    server,
    path: '/graphql',
    // A bigger message closes the socket with 1009 (ws `maxPayload`, default 100 MiB).
    maxPayload: config.graphql.wsMaxPayloadBytes,
  });
  // Before graphql-ws's listener: protocol errors (oversized messages) go to the log, not stderr.
  logSocketErrors(wsServer, wsLog);
  const wsCleanup = useServer<Record<string, unknown>, { principal?: Principal }>(
    {
      schema,
      // Each event executed once per (document, variables, caller), not once per subscriber;
      // after a subscription's first message, results without errors are written to its
      // socket directly (what `onNext` does for them, dropping the read cache, included).
      subscribe: createSharedSubscribe({
        callerOf: (ctx) => {
          const { principal } = ctx as GraphQLContext;
          return `${principal.tenantId}/${principal.keyId ?? ''}`;
        },
        targetOf: (ctx) => wsTargets.get(ctx as GraphQLContext),
        onDirectNext: (ctx) => {
          (ctx as GraphQLContext).forgetReads();
          metrics.wsDirectMessages.inc();
        },
      }),
      // No connection_init within this time: closed 4408 (graphql-ws, default 3000 ms).
      connectionInitWaitTimeout: config.graphql.wsConnectionInitTimeoutMs,
      // Close reasons of unexpected errors say only "Internal server error" in production.
      isProd: config.nodeEnv === 'production',
      // Parse with the token limit, validate with specifiedRules + Armor, subscriptions only.
      // Per operation: the key must still be usable (revoked/expired keys stop at once), the
      // subscription counts against the rate limit, then Armor's checks.
      onSubscribe: async (ctx, _id, payload) => {
        const principal = ctx.extra.principal ?? OPEN_PRINCIPAL;
        return (
          (await keyStillValid(auth, principal)) ??
          (await rateLimits.subscriptionErrors(principal, clientIpOf(app, ctx.extra.request))) ??
          armor.prepareSubscribe(schema, payload)
        );
      },
      // graphql-ws skips Apollo's formatError: mask errors here the same way.
      // Each event then starts with a fresh read cache (the context lives as long as the
      // subscription).
      onNext: (_ctx, _id, _payload, args, result) => {
        (args.contextValue as GraphQLContext).forgetReads();
        return result.errors ? { ...result, errors: result.errors.map(formatWsError) } : undefined;
      },
      onError: (_ctx, _id, _payload, errors) => errors.map(formatWsError),
      onConnect: async (ctx) => {
        try {
          ctx.extra.principal = await authenticateConnection(auth, ctx.connectionParams);
          return true;
        } catch (err) {
          if (!(err instanceof UnauthenticatedError)) throw err;
          // Close reasons are limited to 123 bytes (RFC 6455 §5.5); the code says the rest.
          ctx.extra.socket.close(closeCodeFor(err), `${err.code} ${err.reason}`);
          return false;
        }
      },
      context: (ctx, id) => {
        const principal = ctx.extra.principal ?? OPEN_PRINCIPAL;
        const context = createContext({
          fork: () => orm.em.fork(),
          principal,
          jobs,
          events,
          jobReads,
          serviceInfo,
          signer,
          log: wsLogOf(principal.tenantId),
        });
        wsTargets.set(context, { socket: ctx.extra.socket, id });
        return context;
      },
    },
    wsServer,
  );

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    // Armor's depth/alias/cost/directive rules, the token limit, GRAPHQL_INTROSPECTION.
    ...armor.apolloOptions,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    persistedQueries: false,
    includeStacktraceInErrorResponses: config.nodeEnv === 'development',
    formatError,
    // Compact JSON: Apollo pretty-prints by default, which for a 4-hour transcript costs
    // ~20 ms of blocked event loop and a third more bytes on the wire.
    stringifyResult: (value) => JSON.stringify(value),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      ApolloServerPluginLandingPageDisabled(),
      // No HTTP cache hints are used; the plugin would hook every resolved field (a 4-hour
      // transcript has ~100,000), which costs more than the rest of the execution.
      ApolloServerPluginCacheControlDisabled(),
      operationsPlugin(metrics),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.use(['/graphql', '/api/v1'], authMiddleware(auth));
  app.use(['/graphql', '/api/v1'], rateLimitMiddleware(rateLimits));
  app.use(
    '/api/v1',
    createApiRouter({ config, orm, redis: res.redis, jobs, storage: res.storage }),
  );
  app.use(
    '/graphql',
    refuseMultipartWithoutPreflight,
    graphqlUploadExpress({
      maxFileSize: config.maxUploadBytes,
      maxFiles: 1,
      maxFieldSize: 1024 * 1024,
    }),
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res: httpRes }) =>
        createContext({
          fork: () => orm.em.fork(),
          principal: principalOf(httpRes),
          jobs,
          events: res.events,
          jobReads,
          serviceInfo,
          signer,
          log: req.log,
        }),
    }),
  );

  app.use(createStaticRouter());
  app.use(errorHandler);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port }, `api listening on http://localhost:${port} (GraphQL at /graphql)`);
  return {
    port,
    server,
    wsServer,
    close: async () => {
      await apollo.stop();
    },
  };
}
