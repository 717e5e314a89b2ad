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
if (config.stt.auth.kind === 'none') {
  logger.warn(
    'No SpeechKit credentials: set YANDEX_API_KEY, YANDEX_IAM_TOKEN or YANDEX_SA_KEY_FILE. Jobs will fail with STT_AUTH_FAILED.',
  );
}

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
