/** Structured JSON logging (pino). Never log transcript text or audio. */
import { pino, type Logger } from 'pino';

/** Creates the process logger at `level` ("info", "debug", "silent", …). */
export function createLogger(level: string, role: string): Logger {
  return pino({
    level,
    base: { role },
    redact: ['req.headers.authorization', 'apiKey', 'iamToken'],
  });
}
