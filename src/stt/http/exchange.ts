/**
 * One HTTP attempt of an engine request (the retry, refresh and circuit logic around it is in
 * `client.ts`): wait for a quota permit when the request has a limit kind, send the request — a
 * JSON text body, or a `StreamingBody` (JSON, multipart, …) opened for this attempt and sent
 * with its exact `Content-Length` and its own `Content-Type` — and read the answer: a 2xx body
 * through the caller's reader as it arrives, an error body as text (read by the engine's
 * `describeErrorBody`). Every failure without an HTTP answer (network, reset, per-attempt
 * timeout, a body that breaks off) becomes a {@link TransportError}.
 *
 * Transport: `node:http`/`node:https` (keep-alive global agents), not `fetch`. Measured on a
 * 39 MB streamed body, fetch's web-stream plumbing (undici copies every chunk into a byte stream)
 * raised a process's RSS by 40–54 MB against 4–8 MB for `ClientRequest.write` with backpressure,
 * and reading a 30 MB streamed answer by 29 MB against 11 MB.
 */
import http, {
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import https from 'node:https';
import type { RequestLimiter } from '../request-limiter.js';
import type { BodyReader, HttpObserver, HttpRequest, HttpResult } from './client.js';
import {
  HttpStatusError,
  parseRetryAfter,
  TransportError,
  type ErrorBodyDescription,
  type HttpEngine,
} from './errors.js';

/** What an attempt needs from its client. `requestTimeoutMs` is per attempt, milliseconds. */
export interface AttemptContext {
  engine: HttpEngine;
  requestTimeoutMs: number;
  observer?: HttpObserver;
  /** Reads an error body (the engine's format); undefined when it says nothing usable. */
  describeErrorBody(body: string): ErrorBodyDescription | undefined;
  limiter?: RequestLimiter<string>;
  /** `x-client-request-id`, shared by all attempts of one request. */
  clientRequestId: string;
}

/** An error while reading a response body, told apart from the reader's own errors. */
class BodyReadError extends Error {
  constructor(readonly reason: unknown) {
    super('response body read failed');
  }
}

/** The response body as chunks, read errors wrapped in {@link BodyReadError}. */
async function* chunksOf(res: IncomingMessage): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of res) yield chunk as Buffer;
  } catch (err) {
    throw new BodyReadError(err);
  }
}

async function textOf(res: IncomingMessage): Promise<string> {
  const decoder = new TextDecoder('utf-8');
  let text = '';
  for await (const chunk of chunksOf(res)) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/** Response headers as a fetch `Headers` (what {@link HttpResult} carries). */
function headersFrom(h: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(h)) {
    if (Array.isArray(value)) for (const v of value) out.append(name, v);
    else if (value !== undefined) out.set(name, value);
  }
  return out;
}

/** Resolves when `r` can take more data, or is gone. */
function drained(r: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    if (r.destroyed) return resolve();
    const done = () => {
      r.off('drain', done).off('close', done);
      resolve();
    };
    r.on('drain', done).on('close', done);
  });
}

/**
 * Writes a streaming body with backpressure and ends the request when exactly `length` bytes
 * went out; a body that fails or stops short destroys the request (its socket is never reused).
 */
async function pump(r: ClientRequest, body: AsyncIterable<Uint8Array>, length: number) {
  let written = 0;
  try {
    for await (const chunk of body) {
      if (r.destroyed) return;
      written += chunk.byteLength;
      if (!r.write(chunk)) await drained(r);
    }
  } catch (err) {
    r.destroy(err as Error);
    return;
  }
  if (r.destroyed) return;
  if (written === length) r.end();
  else r.destroy(new Error(`request body was ${written} bytes, not the ${length} announced`));
}

/** "connect ECONNREFUSED 127.0.0.1:4010", "socket hang up (ECONNRESET)", … */
function describeNetwork(err: unknown): string {
  const e = err as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const message = e.message ?? String(err);
  const code = e.code ?? e.cause?.code;
  if (code) return message.includes(code) ? message : `${message} (${code})`;
  return e.cause?.message ? `${message} (${e.cause.message})` : message;
}

/** A request on the wire: its answer (status and headers) and a way to drop it. */
interface Sent {
  response: Promise<IncomingMessage>;
  /** Destroys the request unless it was sent in full (then its socket may be kept alive). */
  discard(): void;
}

function start(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | AsyncIterable<Uint8Array> | undefined,
  signal: AbortSignal,
): Sent {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  const r = client.request(target, { method, headers, signal });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    r.on('response', resolve);
    r.on('error', reject); // also keeps a late error (after the answer) from being unhandled
  });
  if (body === undefined || typeof body === 'string') r.end(body);
  else void pump(r, body, Number(headers['content-length']));
  return {
    response,
    discard: () => {
      if (!r.destroyed && !r.writableFinished) r.destroy();
    },
  };
}

function headersOf(
  ctx: AttemptContext,
  req: HttpRequest,
  authorization: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'x-client-request-id': ctx.clientRequestId,
    ...req.headers,
  };
  if (authorization) headers.authorization = authorization;
  if (typeof req.body === 'object') {
    headers['content-type'] = req.body.contentType;
    headers['content-length'] = String(req.body.bytes);
  } else if (typeof req.body === 'string') {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(req.body));
  }
  return headers;
}

/**
 * Sends one attempt and reads its answer.
 * @param read reads a 2xx body; without it the body is read as text (`value` is the text).
 * @param attempts the attempt number, reported in the result.
 * @throws HttpStatusError for a non-2xx answer; TransportError without one; the
 *   reader's own errors unchanged; the caller's abort reason when its signal aborts.
 */
export async function sendAttempt<T>(
  ctx: AttemptContext,
  req: HttpRequest,
  read: BodyReader<T> | undefined,
  authorization: string | undefined,
  attempts: number,
): Promise<HttpResult<T>> {
  const headers = headersOf(ctx, req, authorization);
  const permit = req.limit && ctx.limiter ? await ctx.limiter.acquire(req.limit, req.signal) : null;
  const stream = typeof req.body === 'object' ? req.body.open() : undefined;
  try {
    return await exchange(
      ctx,
      req,
      headers,
      stream ?? (req.body as string | undefined),
      read,
      attempts,
    );
  } finally {
    // Closes the body's file when the attempt ended before the body was sent in full.
    await stream?.return(undefined);
    permit?.release();
  }
}

async function exchange<T>(
  ctx: AttemptContext,
  req: HttpRequest,
  headers: Record<string, string>,
  body: string | AsyncIterable<Uint8Array> | undefined,
  read: BodyReader<T> | undefined,
  attempts: number,
): Promise<HttpResult<T>> {
  const timeout = AbortSignal.timeout(ctx.requestTimeoutMs);
  const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
  const started = performance.now();
  const observe = (outcome: string) =>
    ctx.observer?.attempt?.({
      engine: ctx.engine.id,
      what: req.what,
      outcome,
      durationMs: performance.now() - started,
    });
  const transportError = (err: unknown) => {
    if (req.signal?.aborted) return err;
    const timedOut = timeout.aborted;
    observe(timedOut ? 'timeout' : 'network');
    const detail = timedOut ? `no answer within ${ctx.requestTimeoutMs} ms` : describeNetwork(err);
    return new TransportError(detail, timedOut, { cause: err });
  };
  const sent = start(req.url, req.method, headers, body, signal);
  try {
    let res: IncomingMessage;
    try {
      res = await sent.response;
    } catch (err) {
      throw transportError(err);
    }
    const status = res.statusCode ?? 0;
    const ok = status >= 200 && status < 300;
    let value: T | string;
    try {
      value = ok && read ? await read(chunksOf(res)) : await textOf(res);
    } catch (err) {
      if (err instanceof BodyReadError) throw transportError(err.reason);
      observe(String(status));
      throw err;
    }
    observe(String(status));
    const resHeaders = headersFrom(res.headers);
    if (ok) return { status, headers: resHeaders, value: value as T, attempts };
    const text = value as string;
    throw new HttpStatusError(
      status,
      text,
      ctx.describeErrorBody(text),
      parseRetryAfter(resHeaders.get('retry-after')),
      resHeaders.get('x-request-id') ?? undefined,
    );
  } finally {
    sent.discard();
  }
}
