/**
 * Plain HTTP endpoints beside GraphQL:
 * - `GET /api/v1/jobs/:id/export/:format` downloads a transcript in any format of the export
 *   registry (txt, docx, srt, vtt, tsv, json) with export options as query parameters
 *   (`?script=kazakh-latin-2021&timestamps=false&locale=ru`), named after the upload and the
 *   script; non-ASCII names (Kazakh letters) use RFC 5987 `filename*` via express.
 * - `GET /api/v1/jobs/:id/audio` streams a completed job's OGG/Opus audio for playback (HTTP
 *   Range requests supported, so players can seek).
 * - `GET /api/v1/health/live` answers 200 while the process serves requests (liveness).
 * - `GET /api/v1/health/ready` (alias `/api/v1/health`) reports database, Redis, ffmpeg, the file
 *   store and STT configuration: 200 when all are usable, else 503 (readiness).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import express, { type Request, type Response, type Router } from 'express';
import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import { AppError, BadInputError } from '../errors.js';
import {
  EXPORT_FORMAT_REGISTRY,
  EXPORT_FORMATS,
  formatOfExtension,
  parseExportQuery,
  renderExportFile,
} from '../exports/index.js';
import type { JobService } from '../services/job.service.js';
import { sendRanged } from './ranged.js';
import type { Storage } from '../storage/storage.js';
import { principalOf } from '../auth/principal.js';
import { describeEngineHealth } from '../stt/registry.js';

const run = promisify(execFile);

/** Dependencies of the HTTP routes. The caller's tenant comes from `principalOf(res)`. */
export interface RouteDeps {
  config: Config;
  orm: MikroORM;
  redis: Redis;
  jobs: JobService;
  /** The file store, checked by readiness (a reachable store is needed to accept uploads). */
  storage?: Storage;
}

/** Sends an error as `{ error: { code, message } }` with its HTTP status. */
export function sendError(res: Response, err: unknown): void {
  if (err instanceof AppError) {
    if (err.retryAfterSeconds !== undefined) {
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(err.retryAfterSeconds))));
    }
    res.status(err.httpStatus).json({
      error: {
        code: err.code,
        reason: err.reason,
        message: err.message,
        retryAfterSeconds: err.retryAfterSeconds,
      },
    });
    return;
  }
  res
    .status(500)
    .json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error.' } });
}

/**
 * Express's last error handler: answers JSON `{ error: { code, message } }` and never a stack
 * trace. Body-parser and other HTTP errors keep their 4xx status (code BAD_USER_INPUT or
 * PAYLOAD_TOO_LARGE); anything else is logged with the request id and answered 500.
 */
export function errorHandler(
  err: unknown,
  req: Request,
  res: Response,
  next: (err?: unknown) => void,
): void {
  if (res.headersSent) return next(err);
  const status = (err as { status?: number; expose?: boolean }).status;
  if (!(err instanceof AppError) && status && status >= 400 && status < 500) {
    const expose = (err as { expose?: boolean }).expose;
    res.status(status).json({
      error: {
        code:
          status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 404 ? 'NOT_FOUND' : 'BAD_USER_INPUT',
        message: expose ? (err as Error).message : 'Bad request.',
      },
    });
    return;
  }
  if (!(err instanceof AppError)) req.log?.error({ err }, 'unexpected HTTP error');
  sendError(res, err);
}

/** Builds the `/api/v1` router. */
export function createApiRouter(deps: RouteDeps): Router {
  const router = express.Router();

  router.get('/jobs/:id/export/:format', async (req, res) => {
    try {
      const spec = formatOfExtension(String(req.params.format));
      if (!spec) {
        const allowed = EXPORT_FORMATS.map((f) => EXPORT_FORMAT_REGISTRY[f].extension);
        throw new BadInputError(
          `Unknown export format "${String(req.params.format)}": use one of ${allowed.join(', ')}.`,
          'INVALID_FORMAT',
        );
      }
      const options = parseExportQuery(req.query as Record<string, unknown>);
      const em = deps.orm.em.fork();
      const doc = await deps.jobs.exportDocument(
        em,
        principalOf(res).tenantId,
        String(req.params.id),
      );
      const file = await renderExportFile(doc, spec.id, options);
      res.attachment(file.filename);
      res.type(file.mimeType);
      res.setHeader('Cache-Control', 'no-store');
      res.send(file.body);
    } catch (err) {
      sendError(res, err);
    }
  });

  router.get('/jobs/:id/audio', async (req, res) => {
    try {
      const em = deps.orm.em.fork();
      const audio = await deps.jobs.playbackAudio(
        em,
        principalOf(res).tenantId,
        String(req.params.id),
      );
      await sendRanged(req, res, audio);
    } catch (err) {
      if (res.headersSent) res.destroy();
      else sendError(res, err);
    }
  });

  // Liveness: the process answers (restart it if not). Readiness: it can do its work now (send it
  // traffic only if so). `/health` is the readiness report, kept for existing monitors.
  router.get('/health/live', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });
  const ready = async (_req: Request, res: Response) => {
    const report = await checkHealth(deps);
    res.setHeader('Cache-Control', 'no-store');
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  };
  router.get('/health/ready', ready);
  router.get('/health', ready);

  return router;
}

/** Health of each dependency; `status` is "ok" only when all are usable. */
export async function checkHealth(deps: Pick<RouteDeps, 'config' | 'orm' | 'redis' | 'storage'>) {
  const timed = async (fn: () => Promise<unknown>) => {
    const started = Date.now();
    try {
      const detail = await Promise.race([
        fn(),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('timed out after 2 s')), 2000).unref(),
        ),
      ]);
      return {
        ok: true,
        latencyMs: Date.now() - started,
        ...(detail && typeof detail === 'object' ? detail : {}),
      };
    } catch (err) {
      return { ok: false, latencyMs: Date.now() - started, error: (err as Error).message };
    }
  };
  const [database, redis, ffmpeg, storage] = await Promise.all([
    timed(async () => {
      await deps.orm.em.fork().getConnection().execute('select 1');
      return { kind: deps.config.database.kind };
    }),
    timed(() => deps.redis.ping()),
    timed(async () => {
      const { stdout } = await run('ffmpeg', ['-hide_banner', '-version']);
      return { version: stdout.split('\n')[0] };
    }),
    timed(async () => {
      await deps.storage?.store.stat('_kazru/key-check');
      return { store: deps.storage?.store.description };
    }),
  ]);
  // The default engine must be usable; other enabled engines are reported as they are.
  const engines = describeEngineHealth(deps.config);
  const main = engines.find((e) => e.id === deps.config.engines.defaultEngine);
  const sttOk = { ok: main?.configured === true, defaultEngine: main?.id, engines };
  const ok = database.ok && redis.ok && ffmpeg.ok && storage.ok && sttOk.ok;
  return { status: ok ? 'ok' : 'unavailable', database, redis, ffmpeg, storage, stt: sttOk };
}
