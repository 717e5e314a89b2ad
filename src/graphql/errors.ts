/**
 * Maps errors to GraphQL responses, on HTTP (Apollo's `formatError`) and on WebSocket
 * ({@link createWsErrorFormatter}, since graphql-ws does not go through Apollo):
 * {@link AppError} keeps its message with a stable `extensions.code` (and `extensions.reason`);
 * errors that already carry a code (validation, parse, bad request) keep it, without stack trace
 * and with "Did you mean …?" suggestions masked when asked; anything unexpected is answered as
 * INTERNAL_SERVER_ERROR without internals (and logged by `operationsPlugin` or the WS hook).
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { AppError, ConflictError } from '../errors.js';
import { asUploadRequestError } from './upload-errors.js';
import { describeTokenLimit, SUGGESTION_MASK } from './armor.js';

interface HttpStatusError {
  status?: number;
  expose?: boolean;
  message: string;
}

/** Options of {@link createFormatError}. */
export interface FormatErrorOptions {
  /**
   * Replace graphql-js "Did you mean …?" hints (fields, arguments, types, enum values) with
   * {@link SUGGESTION_MASK}, so the schema cannot be guessed from them (clairvoyance) when
   * introspection is off or in production. Default false.
   */
  maskSuggestions?: boolean;
}

/** The formatter: Apollo's `formatError(formattedError, error)` signature. */
export type FormatError = (
  formatted: GraphQLFormattedError,
  error: unknown,
) => GraphQLFormattedError;

/**
 * A "Did you mean …?" sentence of graphql-js 16 (`didYouMean`): names and enum values are
 * quoted and never contain "?". Broader than Armor's `/Did you mean ".+"/`, which misses
 * `Did you mean the enum value "DONE"?`.
 */
const SUGGESTION = /Did you mean [^?]*\?/g;

/** Creates Apollo's `formatError` hook (also used for WebSocket errors). */
export function createFormatError(options: FormatErrorOptions = {}): FormatError {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    // A client that hung up mid-upload (graphql-upload's 499, raised while type-graphql awaits
    // the Upload argument, before the resolver runs) is UPLOAD_INTERRUPTED, not a server fault.
    const original = asUploadRequestError(unwrapResolverError(error));
    const appError =
      original instanceof AppError
        ? original
        : error instanceof GraphQLError && error.originalError instanceof AppError
          ? error.originalError
          : undefined;
    if (appError) {
      return {
        message: appError.message,
        path: formatted.path,
        locations: formatted.locations,
        extensions: {
          code: appError.code,
          ...(appError.reason ? { reason: appError.reason } : {}),
          ...(appError.retryAfterSeconds !== undefined
            ? { retryAfterSeconds: appError.retryAfterSeconds }
            : {}),
          ...(appError instanceof ConflictError ? { currentVersion: appError.currentVersion } : {}),
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
    if (code && code !== 'INTERNAL_SERVER_ERROR') {
      return clientError(withoutStack(formatted), options);
    }
    // Logged with the request id by operationsPlugin (src/graphql/plugins.ts).
    return {
      message:
        'Internal server error. The problem has been logged; try again or contact the operator.',
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

/**
 * Formats the errors graphql-ws sends (`next` payload errors and `error` messages) through the
 * same {@link FormatError} as HTTP. graphql-ws would send `error.toJSON()` as is, message and
 * all; Apollo first gives every error without a code INTERNAL_SERVER_ERROR, and so does this,
 * so an internal message or stack never leaks over WebSocket. Documents refused before
 * execution already carry their code (src/graphql/armor.ts `prepareSubscribe`).
 * @param onInternal called with each error answered as INTERNAL_SERVER_ERROR (to log it).
 */
export function createWsErrorFormatter(
  format: FormatError,
  onInternal?: (error: GraphQLError) => void,
): (error: GraphQLError) => GraphQLFormattedError {
  return (error) => {
    const json = error.toJSON();
    const withCode: GraphQLFormattedError = json.extensions?.code
      ? json
      : { ...json, extensions: { ...json.extensions, code: 'INTERNAL_SERVER_ERROR' } };
    const out = format(withCode, error);
    if (out.extensions?.code === 'INTERNAL_SERVER_ERROR') onInternal?.(error);
    return out;
  };
}

/** A client-caused error: token-limit message reworded, suggestions masked when asked. */
function clientError(
  formatted: GraphQLFormattedError,
  options: FormatErrorOptions,
): GraphQLFormattedError {
  let result = formatted;
  const tokens =
    formatted.extensions?.code === 'GRAPHQL_PARSE_FAILED'
      ? describeTokenLimit(formatted.message)
      : undefined;
  if (tokens) {
    result = {
      ...result,
      message: tokens.message,
      extensions: { ...result.extensions, reason: tokens.reason },
    };
  }
  if (options.maskSuggestions && result.message.includes('Did you mean')) {
    result = { ...result, message: result.message.replace(SUGGESTION, SUGGESTION_MASK) };
  }
  return result;
}

function withoutStack(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (!formatted.extensions || !('stacktrace' in formatted.extensions)) return formatted;
  const { stacktrace: _s, ...extensions } = formatted.extensions;
  return { ...formatted, extensions };
}
