/**
 * Serves the built web client at `/` and the offline GraphiQL IDE at `/graphiql/`, both from
 * `dist/client` (made by `npm run build`, see `client/vite.config.ts`). Nothing is loaded from
 * a CDN: air-gapped deployments work.
 *
 * Hashed assets under `/assets/` are cached for a year; the HTML pages are revalidated on every
 * load so a new deployment shows at once. Mounted last: any request nothing else answered gets a
 * JSON 404 `{ error: { code: 'NOT_FOUND', reason: 'NO_SUCH_ROUTE', message } }`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import { AppError } from '../errors.js';
import { sendError } from './routes.js';

/** Directory holding package.json, found by walking up from this module (src or dist). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + import.meta.url);
    dir = parent;
  }
  return dir;
}

/** Where `npm run build` puts the client (`<package root>/dist/client`). */
export const CLIENT_DIST_DIR = path.join(packageRoot(), 'dist', 'client');

/**
 * Builds the router for `/` (client) and `/graphiql/` (IDE).
 * @param dir built client directory; defaults to {@link CLIENT_DIST_DIR}. When it holds no
 *   `index.html`, the pages answer 503 with a message that says to run `npm run build`.
 */
export function createStaticRouter(dir: string = CLIENT_DIST_DIR): Router {
  const router = express.Router();
  const notBuilt = (_req: express.Request, res: express.Response) => {
    res
      .status(503)
      .type('text/plain')
      .send('The web client is not built. Run `npm run build` and restart the server.');
  };
  const page = (file: string): express.RequestHandler => {
    const full = path.join(dir, file);
    return (_req, res, next) => {
      if (!fs.existsSync(full)) return notBuilt(_req, res);
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(full, (err) => err && next(err));
    };
  };

  // No icon file: answer browsers' automatic request without a 404 in their console.
  router.get('/favicon.ico', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.status(204).end();
  });
  router.get('/', page('index.html'));
  router.get('/index.html', page('index.html'));
  const graphiqlPage = page('graphiql/index.html');
  router.get('/graphiql', (req, res, next) =>
    // Non-strict routing matches both; relative asset URLs need the trailing slash.
    req.originalUrl.split('?')[0]!.endsWith('/')
      ? graphiqlPage(req, res, next)
      : res.redirect(301, '/graphiql/'),
  );
  router.use(
    '/assets',
    express.static(path.join(dir, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      fallthrough: false,
    }),
  );
  router.use(express.static(dir, { index: false, maxAge: '1h' }));
  // Anything no route answered: a JSON 404 like every other error, carrying the security headers
  // and CSP set by `security-headers.ts` (express's own HTML 404 would replace the CSP).
  router.use((req, res) => {
    const where = `${req.method} ${req.path.slice(0, 200)}`;
    sendError(
      res,
      new AppError(
        'NOT_FOUND',
        `Nothing at ${where}. The web client is at /, GraphiQL at /graphiql/, the GraphQL API at /graphql and downloads under /api/v1/jobs/.`,
        'NO_SUCH_ROUTE',
      ),
    );
  });
  return router;
}
