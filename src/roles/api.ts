/**
 * The api role: HTTP (express 5) + GraphQL (Apollo Server 5, uploads via
 * graphql-upload-minimal) + GraphQL subscriptions over WebSocket (graphql-ws on `ws`), all on
 * one port, at `/graphql`.
 */
import http from 'node:http';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { graphqlUploadExpress } from 'graphql-upload-minimal';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { GraphQLSchema } from 'graphql';
import { DEFAULT_TENANT_ID } from '../domain.js';
import { createContext, type GraphQLContext } from '../graphql/context.js';
import { createFormatError } from '../graphql/errors.js';
import { operationsPlugin } from '../graphql/plugins.js';
import { httpMetrics, requestLogger } from '../http/observability.js';
import { createApiRouter, errorHandler } from '../http/routes.js';
import { serviceInfoFrom } from '../graphql/types/service-info.js';
import { createStaticRouter } from '../http/static.js';
import type { AppResources } from '../app.js';

/** A running api: its bound port and a function that stops it. */
export interface ApiHandle {
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

/** Largest GraphQL-over-WebSocket message accepted, in bytes. */
const WS_MAX_PAYLOAD_BYTES = 64 * 1024;

/**
 * Starts the api on `config.port` (0 picks a free port).
 * @throws when the port cannot be bound.
 */
export async function startApi(res: AppResources, schema: GraphQLSchema): Promise<ApiHandle> {
  const { config, logger, orm, jobs, events, metrics } = res;
  const tenantOf = () => DEFAULT_TENANT_ID;
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLogger(logger, tenantOf));
  app.use(httpMetrics(metrics));
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const server = http.createServer(app);
  const serviceInfo = serviceInfoFrom(config);

  const wsServer = new WebSocketServer({
    server,
    path: '/graphql',
    maxPayload: WS_MAX_PAYLOAD_BYTES,
  });
  const wsCleanup = useServer<Record<string, unknown>, { gqlContext?: GraphQLContext }>(
    {
      schema,
      context: () =>
        createContext({
          em: orm.em.fork(),
          tenantId: DEFAULT_TENANT_ID,
          jobs,
          events,
          serviceInfo,
          log: logger.child({ transport: 'ws' }),
        }),
    },
    wsServer,
  );

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    persistedQueries: false,
    includeStacktraceInErrorResponses: config.nodeEnv === 'development',
    formatError: createFormatError(),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      ApolloServerPluginLandingPageDisabled(),
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

  app.use('/api/v1', createApiRouter({ config, orm, redis: res.redis, jobs, tenantOf }));
  app.use(
    '/graphql',
    graphqlUploadExpress({
      maxFileSize: config.maxUploadBytes,
      maxFiles: 1,
      maxFieldSize: 1024 * 1024,
    }),
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) =>
        createContext({
          em: orm.em.fork(),
          tenantId: tenantOf(),
          jobs,
          events: res.events,
          serviceInfo,
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
    close: async () => {
      await apollo.stop();
    },
  };
}
