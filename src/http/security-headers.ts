/**
 * Security headers on every HTTP response (static files, GraphQL, `/api/v1`, errors, 404s,
 * `/metrics`, health), set by helmet 8 before any route runs.
 *
 * Two Content-Security-Policies:
 * - {@link clientCsp} for everything except `/graphiql/`: scripts, styles, fonts, media, workers
 *   and connections only from the server's own origin (plus same-origin `ws:`/`wss:` for
 *   graphql-ws), no inline script, no eval, no plugins, no framing.
 * - {@link graphiqlCsp} for `/graphiql/` only: the same, plus what GraphiQL 5's Monaco editor
 *   needs (see its docstring). The IDE is a developer tool; the client stays strict.
 *
 * The inline `<style>` of the built client page (`dist/client/index.html`) is allowed by its
 * SHA-256 hash, computed from the file being served (re-read when its mtime changes), so no
 * `'unsafe-inline'` is needed and a rebuild needs no restart. The client's per-element styles
 * (speaker colours, progress widths) are set through the CSSOM by its `cssProps` directive
 * (`client/src/components/shared.ts`), which CSP allows, rather than as `style` attributes.
 *
 * Not covered (not express responses): the `101 Switching Protocols` of a graphql-ws upgrade and
 * the `ws` library's own refusals of a bad upgrade; CSP does not apply to those anyway.
 *
 * Other headers: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
 * `Cross-Origin-Opener-Policy: same-origin`, `Cross-Origin-Resource-Policy: same-origin`,
 * `X-Frame-Options: DENY` (for browsers without `frame-ancestors`),
 * `Strict-Transport-Security: max-age=31536000; includeSubDomains` (browsers ignore it on plain
 * http, RFC 6797 §8.1, so it is harmless on a LAN deployment without TLS and takes effect once
 * the service is behind https), `Origin-Agent-Cluster: ?1`, `X-DNS-Prefetch-Control: off`,
 * `X-Permitted-Cross-Domain-Policies: none`, `X-XSS-Protection: 0`; `X-Powered-By` removed.
 *
 * Sources: helmet 8 README (https://helmetjs.github.io/), CSP Level 3
 * (https://www.w3.org/TR/CSP3/; `'self'` also matches `ws:`/`wss:` on the same host there, the
 * explicit `ws://host wss://host` sources cover browsers that predate that rule),
 * OWASP HTTP Headers Cheat Sheet.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import type { RequestHandler } from 'express';
import { CLIENT_DIST_DIR } from './static.js';

/** A CSP directive value: a fixed source or one computed per request. */
type Source = string | ((req: IncomingMessage, res: ServerResponse) => string);
/** CSP directives as helmet takes them: directive name → sources (empty list = bare directive). */
export type CspDirectives = Record<string, Source[]>;

/** `host[:port]` as a browser sends it in `Host`: a DNS name, IPv4 or bracketed IPv6 literal. */
const HOST_RE =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * `ws://<host> wss://<host>` for the request's own `Host`, so graphql-ws may connect back to the
 * page's origin. A `Host` that is not a plain host name (anything that could smuggle CSP syntax)
 * yields no extra source; `'self'` still covers same-origin sockets in CSP3 browsers.
 */
export function sameOriginWebSockets(req: IncomingMessage): string {
  const host = req.headers.host;
  if (!host || !HOST_RE.test(host)) return '';
  return `ws://${host} wss://${host}`;
}

/** SHA-256 CSP sources (`'sha256-…'`) of each inline `<style>` in an HTML file, by mtime. */
const hashCache = new Map<string, { mtimeMs: number; sources: string[] }>();

/**
 * The `'sha256-<base64>'` sources allowing each inline `<style>` element of `file` (CSP3 §8.4:
 * the hash is over the element's text content, exactly as served). A missing file gives none.
 * Cached by the file's mtime, so a rebuild is picked up by the next request.
 */
export function inlineStyleHashes(file: string): string[] {
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    return [];
  }
  const cached = hashCache.get(file);
  if (cached && cached.mtimeMs === mtimeMs) return cached.sources;
  const html = fs.readFileSync(file, 'utf8');
  const sources = [...html.matchAll(/<style(?:\s[^>]*)?>([\s\S]*?)<\/style>/gi)].map(
    (m) => `'sha256-${crypto.createHash('sha256').update(m[1], 'utf8').digest('base64')}'`,
  );
  hashCache.set(file, { mtimeMs, sources });
  return sources;
}

/**
 * The strict policy for the web client and every non-page response.
 * - `script-src 'self'`: only the bundled modules from `/assets/`; no inline, no eval.
 * - `style-src 'self' <hashes>`: the bundled CSS plus the page's own inline `<style>` by hash;
 *   Lit components style themselves with constructed stylesheets (`adoptedStyleSheets`), which
 *   CSP does not govern (zero violations in Chromium, `tests/browser/csp.test.ts`).
 * - `connect-src 'self' ws://host wss://host`: GraphQL over HTTP and graphql-ws, same origin.
 * - `media-src 'self'` for the transcript's `<audio>` player; `img-src 'self' data:` (the page's
 *   `data:,` favicon link).
 * - `frame-ancestors 'none'`, `object-src 'none'`, `base-uri 'self'`, `form-action 'self'`.
 * @param clientDir built client directory (default `dist/client`) whose HTML is hashed.
 */
export function clientCsp(clientDir: string = CLIENT_DIST_DIR): CspDirectives {
  const pageHashes = () => inlineStyleHashes(path.join(clientDir, 'index.html')).join(' ');
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'", pageHashes],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'media-src': ["'self'"],
    'connect-src': ["'self'", sameOriginWebSockets],
    'worker-src': ["'self'"],
    'manifest-src': ["'self'"],
    'frame-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
  };
}

/**
 * The policy for `/graphiql/` pages: {@link clientCsp} with two exceptions, both about styling,
 * measured in Chromium by `tests/browser/csp.test.ts` (which fails on any violation):
 * - `style-src 'self' 'unsafe-inline'`: GraphiQL 5's Monaco editor renders every editor line as
 *   an HTML string with `style="…"` attributes (hundreds of `style-src-attr` violations without
 *   it) and injects `<style>` elements for its theme and decorations (`style-src-elem`). Neither
 *   takes a nonce or hash. CSS cannot run script; `script-src` stays `'self'` with no inline
 *   code or eval, and what CSS could fetch is still bound to this origin by `img-src`/`font-src`.
 *   (No hash is listed: a hash would make CSP2+ browsers ignore `'unsafe-inline'`.)
 * - `font-src 'self' data:`: graphiql's published `style.css` embeds its Roboto and Fira Code
 *   fonts as `data:font/woff2` URIs. A `data:` font is inert and comes from our own bundle.
 * Module workers (Monaco's editor, JSON and GraphQL language services) are same-origin files
 * under `/assets/`, so `worker-src 'self'` suffices: no `blob:` is needed.
 * @param clientDir built client directory (default `dist/client`).
 */
export function graphiqlCsp(clientDir: string = CLIENT_DIST_DIR): CspDirectives {
  return {
    ...clientCsp(clientDir),
    'style-src': ["'self'", "'unsafe-inline'"],
    'font-src': ["'self'", 'data:'],
  };
}

/** Options of {@link securityHeaders}. */
export interface SecurityHeadersOptions {
  /** Built client directory whose inline styles are hashed (default `dist/client`). */
  clientDir?: string;
}

/**
 * Whether a request path is the GraphiQL page or under it (`/graphiql`, `/graphiql/…`),
 * case-insensitively like express's routing, which serves the page at `/GraphiQL/` too.
 */
function isGraphiql(pathname: string): boolean {
  const p = pathname.toLowerCase();
  return p === '/graphiql' || p.startsWith('/graphiql/');
}

/**
 * Express middleware setting the security headers on every response; mount it first
 * (`app.use(securityHeaders())`) so errors, 404s and every route carry them.
 * Headers are set before the route runs; routes may still add their own (e.g. `Cache-Control`).
 */
export function securityHeaders(opts: SecurityHeadersOptions = {}): RequestHandler {
  const common = {
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    // COEP would block nothing we load but gains nothing either; off as in helmet's defaults.
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    xContentTypeOptions: true,
    xFrameOptions: { action: 'deny' },
    xPoweredBy: true,
  } as const;
  const client = helmet({
    ...common,
    contentSecurityPolicy: { useDefaults: false, directives: clientCsp(opts.clientDir) },
  });
  const graphiql = helmet({
    ...common,
    contentSecurityPolicy: { useDefaults: false, directives: graphiqlCsp(opts.clientDir) },
  });
  return (req, res, next) => (isGraphiql(req.path) ? graphiql : client)(req, res, next);
}
