/**
 * Fixture manifests: for each test audio file `tests/fixtures/audio/<name>.ogg` a
 * `<name>.json` says what is spoken, by whom, in which language and when. The SpeechKit test
 * double uses them as its "recognition knowledge" (see `recognizer.ts`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One spoken utterance of a fixture. Times in milliseconds from the start of the file. */
export interface ManifestUtterance {
  /** Speaker 0 or 1 (returned as `channelTag` for mono input with speaker labeling). */
  speaker: 0 | 1;
  /** Audio channel carrying it: 0 for mono files; equals `speaker` for stereo call files. */
  channel: number;
  /** BCP-47 tag, e.g. "kk-KZ" or "ru-RU". */
  language: string;
  /** The text as a normalizing, punctuating recognizer would return it. */
  text: string;
  startMs: number;
  endMs: number;
}

/**
 * A fixture manifest, e.g.
 * `{ "file": "dialogue-mono.ogg", "channels": 1, "durationSeconds": 14.2, "utterances": [...] }`.
 */
export interface FixtureManifest {
  /** Audio file name, relative to the manifest's directory. */
  file: string;
  /** 1 (mono) or 2 (stereo, one speaker per channel). */
  channels: number;
  /** Duration of the audio file in seconds (ffprobe `format.duration`). */
  durationSeconds: number;
  utterances: ManifestUtterance[];
}

/**
 * Validates a parsed manifest.
 * @param source file name for error messages.
 * @throws Error naming the first invalid field.
 */
export function parseManifest(value: unknown, source = 'manifest'): FixtureManifest {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('not an object');
  const m = value as Record<string, unknown>;
  if (typeof m.file !== 'string' || m.file === '') fail('"file" must be a non-empty string');
  if (!Number.isInteger(m.channels) || (m.channels as number) < 1) {
    fail('"channels" must be a positive integer');
  }
  if (typeof m.durationSeconds !== 'number' || !(m.durationSeconds > 0)) {
    fail('"durationSeconds" must be a positive number');
  }
  if (!Array.isArray(m.utterances)) fail('"utterances" must be an array');
  const utterances = (m.utterances as unknown[]).map((u, i): ManifestUtterance => {
    const at = `utterances[${i}]`;
    if (typeof u !== 'object' || u === null) fail(`${at} is not an object`);
    const o = u as Record<string, unknown>;
    if (o.speaker !== 0 && o.speaker !== 1) fail(`${at}.speaker must be 0 or 1`);
    if (!Number.isInteger(o.channel) || (o.channel as number) < 0) {
      fail(`${at}.channel must be a channel number`);
    }
    if ((o.channel as number) >= (m.channels as number)) fail(`${at}.channel exceeds "channels"`);
    if (typeof o.language !== 'string' || o.language === '') fail(`${at}.language missing`);
    if (typeof o.text !== 'string' || o.text.trim() === '') fail(`${at}.text missing`);
    if (!Number.isFinite(o.startMs) || !Number.isFinite(o.endMs)) {
      fail(`${at}.startMs/endMs must be numbers`);
    }
    if ((o.endMs as number) <= (o.startMs as number)) fail(`${at}.endMs must be after startMs`);
    return {
      speaker: o.speaker as 0 | 1,
      channel: o.channel as number,
      language: o.language as string,
      text: o.text as string,
      startMs: o.startMs as number,
      endMs: o.endMs as number,
    };
  });
  return {
    file: m.file as string,
    channels: m.channels as number,
    durationSeconds: m.durationSeconds as number,
    utterances,
  };
}

/**
 * Loads every manifest (`*.json` with both "file" and "utterances" keys) in `dir`, synchronously
 * (fixture directories are small; callers may still `await` the result).
 * Other JSON files are skipped; a missing directory yields `[]`.
 * @throws Error when a manifest-looking file is not valid JSON or fails {@link parseManifest}.
 */
export function loadManifests(dir: string): FixtureManifest[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: FixtureManifest[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = path.join(dir, name);
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (
      typeof value !== 'object' ||
      value === null ||
      !('file' in value) ||
      !('utterances' in value)
    ) {
      continue;
    }
    out.push(parseManifest(value, file));
  }
  return out;
}
