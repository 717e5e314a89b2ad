/**
 * Entry point: `node dist/src/main.js`. `ROLES=api`, `ROLES=worker` or both (default).
 * Exits with status 1 and a readable list of problems when the configuration is invalid.
 */
import 'reflect-metadata';
import { loadConfigOrExit } from './config/config.js';
import { createLogger } from './logger.js';
import { startApp } from './app.js';

const config = loadConfigOrExit(1);

const logger = createLogger(config.logLevel, config.roles.join('+'));
const app = await startApp(config, logger);
if (config.engines.enabled.includes('speechkit') && config.stt.auth.kind === 'none') {
  logger.warn(
    'No speech engine is configured: set YANDEX_API_KEY (or YANDEX_IAM_TOKEN, YANDEX_SA_KEY_FILE) for SpeechKit, or OPENAI_STT_URL for a Whisper server. SpeechKit jobs will fail with STT_AUTH_FAILED; scripts/start.sh runs an offline demo instead.',
  );
}
logger.info(
  { engines: config.engines.enabled, defaultEngine: config.engines.defaultEngine },
  'speech engines',
);

const shutdown = (signal: string) => {
  logger.info({ signal }, 'shutting down');
  // Workers wait up to WORKER_SHUTDOWN_GRACE_SECONDS for running jobs, then hand them back.
  const force = setTimeout(
    () => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    },
    (config.workerShutdownGraceSeconds + 15) * 1000,
  );
  force.unref();
  app.close().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, 'error during shutdown');
      process.exit(1);
    },
  );
};
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
