/**
 * HTTP keep-alive timing of the service's servers (api and a worker's metrics port).
 */
import type http from 'node:http';

/**
 * Keeps idle connections open for `keepAliveSeconds` (Node's default is 5 s, shorter than the
 * 60 s idle timeout of common load balancers, which then reuse a connection Node is closing and
 * get a reset). `headersTimeout` is 1 s above it, and `requestTimeout` (Node's 300 s, the whole
 * request including an upload's body) is raised to at least that, since Node requires
 * headersTimeout ≤ requestTimeout.
 */
export function applyKeepAlive(server: http.Server, keepAliveSeconds: number): void {
  server.keepAliveTimeout = Math.round(keepAliveSeconds * 1000);
  server.headersTimeout = server.keepAliveTimeout + 1000;
  if (server.requestTimeout > 0 && server.requestTimeout < server.headersTimeout) {
    server.requestTimeout = server.headersTimeout;
  }
}
