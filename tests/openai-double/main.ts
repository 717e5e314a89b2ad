/**
 * CLI: runs the OpenAI-compatible speech-to-text test double for the local demo.
 *
 *   npm run build:server && node dist/tests/openai-double/main.js
 *
 * Environment: OPENAI_DOUBLE_PORT (default 4010), OPENAI_DOUBLE_HOST (default 127.0.0.1),
 * OPENAI_DOUBLE_FLAVOUR (`openai`, `whisper.cpp` (default: as if started with
 * `--inference-path /v1/audio/transcriptions`), `speaches`, `vllm`), OPENAI_DOUBLE_API_KEY
 * (required Bearer key; default none), OPENAI_DOUBLE_FIXTURES (manifest and audio directory,
 * default `tests/fixtures/audio`). Point the service at the printed OPENAI_STT_URL.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadManifests } from '../speechkit-double/manifest.js';
import { DEFAULT_FIXTURES_DIR, startOpenAiDouble } from './server.js';
import { FLAVOURS, type OpenAiFlavour } from './wire.js';

function fixturesDir(): string {
  if (process.env.OPENAI_DOUBLE_FIXTURES) return path.resolve(process.env.OPENAI_DOUBLE_FIXTURES);
  const fromCwd = path.resolve('tests/fixtures/audio');
  return existsSync(fromCwd) ? fromCwd : DEFAULT_FIXTURES_DIR;
}

const flavour = (process.env.OPENAI_DOUBLE_FLAVOUR || 'whisper.cpp') as OpenAiFlavour;
if (!FLAVOURS.includes(flavour)) {
  console.error(`OPENAI_DOUBLE_FLAVOUR must be one of ${FLAVOURS.join(', ')}; got "${flavour}"`);
  process.exit(2);
}
const port = Number(process.env.OPENAI_DOUBLE_PORT ?? 4010);
const host = process.env.OPENAI_DOUBLE_HOST ?? '127.0.0.1';
const apiKey = process.env.OPENAI_DOUBLE_API_KEY || undefined;
const dir = fixturesDir();
const manifests = loadManifests(dir);
const double = await startOpenAiDouble({
  flavour,
  apiKey,
  manifests,
  fixturesDir: dir,
  port,
  host,
});

console.log(`OpenAI-compatible STT test double (${flavour}) listening on ${double.endpoint}`);
console.log(`  OPENAI_STT_URL=${double.url}`);
if (apiKey) console.log(`  OPENAI_STT_API_KEY=${apiKey}`);
console.log(
  `  ${manifests.length} fixture manifest(s) from ${dir}: ${manifests.map((m) => m.file).join(', ') || '-'}`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void double.close().finally(() => process.exit(0)));
}
