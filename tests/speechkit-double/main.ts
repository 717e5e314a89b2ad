/**
 * CLI: runs the SpeechKit v3 test double for the local demo (see README).
 *
 *   npm run build && node dist/tests/speechkit-double/main.js
 *
 * Environment: SPEECHKIT_DOUBLE_PORT (default 4010), SPEECHKIT_DOUBLE_HOST (default 127.0.0.1),
 * SPEECHKIT_DOUBLE_API_KEY (accepted `Api-Key`, default `local-double-key`),
 * SPEECHKIT_DOUBLE_FIXTURES (manifest directory, default `tests/fixtures/audio`).
 * Point the service at it with SPEECHKIT_STT_URL and SPEECHKIT_OPERATION_URL = the printed URL
 * and YANDEX_API_KEY = the key.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadManifests } from './manifest.js';
import { startSpeechKitDouble } from './server.js';

function fixturesDir(): string {
  if (process.env.SPEECHKIT_DOUBLE_FIXTURES) {
    return path.resolve(process.env.SPEECHKIT_DOUBLE_FIXTURES);
  }
  const fromCwd = path.resolve('tests/fixtures/audio');
  if (existsSync(fromCwd)) return fromCwd;
  // dist/tests/speechkit-double/main.js → <repo>/tests/fixtures/audio
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '../../../tests/fixtures/audio');
}

const port = Number(process.env.SPEECHKIT_DOUBLE_PORT ?? 4010);
const host = process.env.SPEECHKIT_DOUBLE_HOST ?? '127.0.0.1';
const apiKey = process.env.SPEECHKIT_DOUBLE_API_KEY || 'local-double-key';
const dir = fixturesDir();
const manifests = loadManifests(dir);
const double = await startSpeechKitDouble({ apiKey, manifests, pollsUntilDone: 2, port, host });

console.log(`SpeechKit v3 test double listening on ${double.url}`);
console.log(`  SPEECHKIT_STT_URL=${double.url}`);
console.log(`  SPEECHKIT_OPERATION_URL=${double.url}`);
console.log(`  SPEECHKIT_IAM_URL=${double.iamUrl}`);
console.log(`  YANDEX_API_KEY=${apiKey}`);
console.log(
  `  ${manifests.length} fixture manifest(s) from ${dir}: ${manifests.map((m) => m.file).join(', ') || '-'}`,
);

const stop = () => {
  void double.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
