/**
 * Counts the storage's own failures for `kazru_storage_errors_total` (alert "store errors"),
 * without touching the storage implementation: {@link instrumentStorage} wraps every method
 * that returns a promise and counts a rejection that is a fault of the store — a Node system
 * error (`err.syscall` set: `ENOSPC` disk full, `EACCES`, `EROFS`, `EIO`, …) or any other
 * non-{@link AppError} — by method name and error code. Client faults are not counted: an
 * {@link AppError} (upload too large, interrupted) or a client that went away mid-upload.
 */
import type { Counter } from 'prom-client';
import { AppError } from '../errors.js';

/** Error codes of a client that went away mid-stream: not the store's fault. */
const CLIENT_GONE = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);

/**
 * The error code to count for `err`, or undefined when the failure is not the store's:
 * `err.code` when it is a string (`ENOSPC`, …), else `err.name` (`Error`, an SDK's error name).
 */
export function storageFaultCode(err: unknown): string | undefined {
  // The object store unreachable is the store's fault, though answered as an AppError.
  if (err instanceof AppError) return err.reason === 'STORAGE_UNAVAILABLE' ? err.reason : undefined;
  const e = err as { code?: unknown; name?: unknown; status?: unknown } | undefined;
  if (e?.status === 499) return undefined; // graphql-upload-minimal: request disconnected
  if (typeof e?.code === 'string') return CLIENT_GONE.has(e.code) ? undefined : e.code;
  return typeof e?.name === 'string' ? e.name : 'unknown';
}

/**
 * Returns `storage` with every promise-returning method counted into `errors` on rejection
 * (labels `operation` = method name, `code` = {@link storageFaultCode}); results and errors
 * pass through unchanged. Synchronous methods and properties are untouched.
 */
export function instrumentStorage<T extends object>(
  storage: T,
  errors: Counter<'operation' | 'code'>,
): T {
  return new Proxy(storage, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.catch((err: unknown) => {
          const code = storageFaultCode(err);
          if (code) errors.inc({ operation: prop, code });
          throw err;
        });
      };
    },
  });
}
