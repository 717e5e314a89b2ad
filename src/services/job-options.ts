/**
 * A job's options as a client sends them (`uploadAudio(options:)`, the REST upload) and their
 * validation into {@link JobOptions}: defaults applied, languages as canonical BCP-47 tags.
 */
import { DEFAULT_LANGUAGES, Diarization, SUPPORTED_LANGUAGES, type JobOptions } from '../domain.js';
import { BadInputError } from '../errors.js';

/** Options as a client may send them; missing fields take defaults. */
export interface JobOptionsInput {
  languages?: string[] | null;
  diarization?: Diarization | null;
  profanityFilter?: boolean | null;
  textNormalization?: boolean | null;
  /** `Engine.id`; default the server's default engine. */
  engine?: string | null;
  /** False: transcribe even when an identical recording was transcribed before (default true). */
  reuse?: boolean | null;
}

const CANONICAL_LANGUAGE = new Map<string, string>(
  [...SUPPORTED_LANGUAGES, 'auto'].map((l) => [l.toLowerCase(), l]),
);

/**
 * Applies defaults and validates options.
 * @throws BadInputError naming the offending option and the accepted values.
 */
export function normalizeOptions(input: JobOptionsInput | null | undefined): JobOptions {
  const requested = input?.languages ?? DEFAULT_LANGUAGES;
  if (requested.length === 0) {
    throw new BadInputError(
      'languages must not be empty: use ["kk-KZ","ru-RU"], one of them, or ["auto"].',
      'INVALID_LANGUAGE',
    );
  }
  const languages = [
    ...new Set(requested.map((l) => CANONICAL_LANGUAGE.get(l.trim().toLowerCase()) ?? l)),
  ];
  const unknown = languages.filter((l) => !CANONICAL_LANGUAGE.has(l.toLowerCase()));
  if (unknown.length > 0) {
    throw new BadInputError(
      `Unsupported language ${unknown.map((l) => `"${l}"`).join(', ')}. Use BCP-47 tags such as "kk-KZ" and "ru-RU", or "auto". Supported: ${SUPPORTED_LANGUAGES.join(', ')}.`,
      'INVALID_LANGUAGE',
    );
  }
  if (languages.includes('auto') && languages.length > 1) {
    throw new BadInputError(
      '"auto" cannot be combined with other languages: send ["auto"] alone.',
      'INVALID_LANGUAGE',
    );
  }
  return {
    languages,
    diarization: input?.diarization ?? Diarization.AUTO,
    profanityFilter: input?.profanityFilter ?? false,
    textNormalization: input?.textNormalization ?? true,
  };
}
