/**
 * Maps errors to GraphQL responses: {@link AppError} keeps its message with a stable
 * `extensions.code` (and `extensions.reason`); anything unexpected is answered as
 * INTERNAL_SERVER_ERROR without internals (and logged by `operationsPlugin`).
 */
import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { AppError } from '../errors.js';

interface HttpStatusError {
  status?: number;
  expose?: boolean;
  message: string;
}

/** Creates Apollo's `formatError` hook. */
export function createFormatError() {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof AppError) {
      return {
        message: original.message,
        path: formatted.path,
        locations: formatted.locations,
        extensions: {
          code: original.code,
          ...(original.reason ? { reason: original.reason } : {}),
          ...(original.retryAfterSeconds !== undefined
            ? { retryAfterSeconds: original.retryAfterSeconds }
            : {}),
        },
      };
    }
    const status = (original as HttpStatusError | undefined)?.status;
    if (status === 413) {
      return {
        message: (original as HttpStatusError).message || 'The upload is too large.',
        path: formatted.path,
        extensions: { code: 'PAYLOAD_TOO_LARGE' },
      };
    }
    const code = formatted.extensions?.code;
    if (code && code !== 'INTERNAL_SERVER_ERROR') return withoutStack(formatted);
    // Logged with the request id by operationsPlugin (src/graphql/plugins.ts).
    return {
      message:
        'Internal server error. The problem has been logged; try again or contact the operator.',
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

function withoutStack(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (!formatted.extensions || !('stacktrace' in formatted.extensions)) return formatted;
  const { stacktrace: _s, ...extensions } = formatted.extensions;
  return { ...formatted, extensions };
}
