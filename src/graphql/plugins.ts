/**
 * Apollo Server plugin for operators: GraphQL latency metrics by operation type and first root
 * field, and a log line (with the request id, via `ctx.log`) for every unexpected error. Errors
 * the client caused (AppError, validation) are answered, not logged as failures.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { Metrics } from '../observability/metrics.js';
import { AppError } from '../errors.js';
import { asUploadRequestError } from './upload-errors.js';
import type { GraphQLContext } from './context.js';

/** First root field of an operation (bounded by the schema), for the metrics label. */
function rootField(op: OperationDefinitionNode | undefined | null): string {
  const first = op?.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
  return first && first.kind === Kind.FIELD ? first.name.value : 'unknown';
}

/** Creates the plugin; `metrics` receives `kazru_graphql_operation_duration_seconds`. */
export function operationsPlugin(metrics: Metrics): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      let type = 'unknown';
      let field = 'unknown';
      return {
        async didResolveOperation(rc) {
          type = rc.operation?.operation ?? 'unknown';
          field = rootField(rc.operation);
        },
        async didEncounterErrors(rc) {
          for (const error of rc.errors) {
            // A client gone mid-upload is UPLOAD_INTERRUPTED (see src/graphql/errors.ts), not a fault.
            const original = asUploadRequestError(unwrapResolverError(error));
            if (original instanceof AppError) continue;
            const code = error.extensions?.code;
            if (code && code !== 'INTERNAL_SERVER_ERROR') continue;
            rc.contextValue.log?.error({ err: original, field }, 'unexpected GraphQL error');
          }
        },
        async willSendResponse(rc) {
          const failed =
            rc.response.body.kind === 'single' &&
            (rc.response.body.singleResult.errors?.length ?? 0) > 0;
          metrics.graphqlOperationSeconds.observe(
            { type, field, outcome: failed ? 'error' : 'ok' },
            (performance.now() - started) / 1000,
          );
        },
      };
    },
  };
}
