/**
 * Maps what graphql-upload-minimal rejects an upload with to the service's errors, for the
 * upload resolver, `formatError` and the operations plugin alike.
 */
import { AppError, BadInputError } from '../errors.js';
import { asUploadError } from '../storage/storage.js';

/**
 * The message graphql-upload-minimal 1.6 rejects a file promise with (HTTP 400) when the
 * request ended without the file part that `map` names (`processRequest.js`, parser "close").
 */
const FILE_MISSING = /File missing in the request/i;

/**
 * Maps an upload's rejection: a file named in `map` but never sent becomes BAD_USER_INPUT
 * (reason `UPLOAD_FILE_MISSING`, a message saying what to send); a request that ended early
 * becomes UPLOAD_INTERRUPTED (`asUploadError`); anything else is returned unchanged.
 */
export function asUploadRequestError(err: unknown): unknown {
  const e = err as { status?: number; message?: string } | undefined;
  if (!(err instanceof AppError) && e?.status === 400 && FILE_MISSING.test(e.message ?? '')) {
    return new BadInputError(
      "The multipart request's map names a file that was not sent. Send each file named in map as a part after the map field, under the same name (GraphQL multipart request spec).",
      'UPLOAD_FILE_MISSING',
    );
  }
  return asUploadError(err);
}
