/**
 * The CLI's connection to one KazRu-STT server: GraphQL over HTTP POST, graphql-ws
 * subscriptions (the `ws` package) and REST downloads, all sending the API key as
 * `Authorization: Bearer <key>` (the WebSocket in its `connection_init` payload), as
 * src/auth/middleware.ts reads it. Failures become {@link CliError}s with the server's message
 * and `extensions.code`.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { CliError, EXIT, exitCodeFor } from './errors.js';

/** Where and as whom to connect. */
export interface ApiTarget {
  /** Base URL of the server, e.g. http://127.0.0.1:4000 (no path). */
  url: string;
  /** API key; undefined for a server in AUTH_MODE=open. */
  key?: string;
}

/** One GraphQL error as the server sends it. */
interface WireError {
  message: string;
  extensions?: Record<string, unknown>;
}

/** Turns the first GraphQL error into a CliError (message, code, extensions). */
export function graphqlError(errors: readonly WireError[], httpStatus?: number): CliError {
  const first = errors[0];
  const code = typeof first.extensions?.code === 'string' ? first.extensions.code : undefined;
  return new CliError(exitCodeFor(code, httpStatus), first.message, code, first.extensions);
}

/** A fetch failure (refused, reset, DNS) as a CliError with exit code 5. */
export function networkError(url: string, err: unknown): CliError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  return new CliError(EXIT.UNREACHABLE, `Cannot reach ${url}: ${why}`, 'NETWORK');
}

/** GraphQL, subscriptions and downloads against one server. */
export class Api {
  private ws?: Client;

  constructor(readonly target: ApiTarget) {}

  /** Headers every HTTP request carries. */
  authHeaders(): Record<string, string> {
    return this.target.key ? { authorization: `Bearer ${this.target.key}` } : {};
  }

  /** Absolute URL of a server path (`/graphql`, a relative `exportUrl`). */
  resolve(pathOrUrl: string): string {
    return new URL(pathOrUrl, this.target.url).toString();
  }

  /**
   * Runs a query or mutation; resolves with `data`.
   * @throws CliError with the first GraphQL error, a non-GraphQL HTTP answer or a network failure
   */
  async request<TData, TVars extends object = Record<string, never>>(
    query: string,
    variables?: TVars,
  ): Promise<TData> {
    const url = this.resolve('/graphql');
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.authHeaders() },
        body: JSON.stringify({ query, variables: variables ?? {} }),
      });
    } catch (err) {
      throw networkError(this.target.url, err);
    }
    return readGraphQLResponse<TData>(res);
  }

  /**
   * Follows a subscription until the server completes it: `onData` gets each result's data.
   * @throws CliError when the server sends errors or refuses the connection (close 4401/4403)
   */
  subscribe<TData>(
    query: string,
    variables: Record<string, unknown>,
    onData: (data: TData) => void,
  ): Promise<void> {
    const client = this.wsClient();
    return new Promise((resolve, reject) => {
      client.subscribe<TData>(
        { query, variables },
        {
          next: (r) => {
            if (r.errors?.length) reject(graphqlError(r.errors));
            else if (r.data) onData(r.data);
          },
          error: (err) => reject(wsError(this.target.url, err)),
          complete: () => resolve(),
        },
      );
    });
  }

  /** Closes the WebSocket, if one was opened. */
  async close(): Promise<void> {
    await this.ws?.dispose();
  }

  private wsClient(): Client {
    if (this.ws) return this.ws;
    const url = new URL('/graphql', this.target.url);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    this.ws = createClient({
      url: url.toString(),
      webSocketImpl: WebSocket,
      connectionParams: this.authHeaders(),
      lazy: true,
      // A dropped connection is retried a few times; a refused key is not (it would be refused
      // again).
      retryAttempts: 5,
      shouldRetry: (e) => !isAuthClose(e),
    });
    return this.ws;
  }
}

/** Reads a GraphQL HTTP answer: data, or a CliError for errors and non-GraphQL bodies. */
export async function readGraphQLResponse<TData>(res: Response): Promise<TData> {
  return parseGraphQLBody<TData>(res.status, await res.text());
}

/**
 * Parses a GraphQL HTTP body (`{ data, errors }`) answered with `status`.
 * @throws CliError with the first GraphQL error, or for a body without data
 */
export function parseGraphQLBody<TData>(status: number, text: string): TData {
  let body: { data?: TData | null; errors?: WireError[] } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  if (body?.errors?.length) throw graphqlError(body.errors, status);
  if (!body?.data) {
    throw new CliError(
      exitCodeFor(undefined, status),
      `The server answered HTTP ${status} without GraphQL data: ${text.slice(0, 200)}`,
      'HTTP',
    );
  }
  return body.data;
}

function isAuthClose(event: unknown): boolean {
  const code = (event as { code?: number } | null)?.code;
  return code === 4401 || code === 4403;
}

/** A graphql-ws failure: a close event, a list of GraphQL errors or an Error. */
function wsError(url: string, err: unknown): CliError {
  if (Array.isArray(err) && err.length) return graphqlError(err as WireError[]);
  const close = err as { code?: number; reason?: string };
  if (typeof close?.code === 'number') {
    if (isAuthClose(close)) {
      return new CliError(
        EXIT.AUTH,
        close.reason || 'The server refused the API key.',
        'UNAUTHENTICATED',
      );
    }
    return new CliError(
      EXIT.UNREACHABLE,
      `The live connection to ${url} closed (${close.code}${close.reason ? `: ${close.reason}` : ''}).`,
      'NETWORK',
    );
  }
  return networkError(url, err);
}
