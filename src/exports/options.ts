/**
 * Export options: their defaults, the scripts and locales offered, and how options given as
 * GraphQL input or HTTP query parameters are checked. Every refusal is a {@link BadInputError}
 * whose message lists the allowed values.
 */
import { BadInputError } from '../errors.js';
import type { ExportScript } from './script/transliterate.js';

/** Locales of headers, default speaker labels and dates. */
export type ExportLocale = 'kk' | 'ru' | 'en';

/** Every {@link ExportLocale}; `kk` is the default. */
export const EXPORT_LOCALES: readonly ExportLocale[] = ['kk', 'ru', 'en'];

/**
 * The scripts an export can be written in: the GraphQL enum value, the HTTP query value, and what
 * the file name carries (`интервью-latn.docx`; nothing for `ORIGINAL`).
 */
export const EXPORT_SCRIPTS: Readonly<
  Record<ExportScript, { param: string; fileSuffix: string; description: string }>
> = Object.freeze({
  ORIGINAL: {
    param: 'original',
    fileSuffix: '',
    description: 'As recognised (Kazakh and Russian in Cyrillic).',
  },
  KAZAKH_LATIN_2021: {
    param: 'kazakh-latin-2021',
    fileSuffix: 'latn',
    description:
      'Kazakh segments in the 31-letter Latin alphabet presented in January 2021 (Ä Ğ İ I Ñ Ö Q Ş Ū Ü …); Russian segments stay in Cyrillic.',
  },
  BGN_PCGN: {
    param: 'bgn-pcgn',
    fileSuffix: 'bgnpcgn',
    description:
      'Kazakh segments in the BGN/PCGN 1979 romanisation (Zh, Sh, Gh, Ng, …) for international readers; Russian segments stay in Cyrillic.',
  },
});

/** Export options after defaults are applied. */
export interface ExportOptions {
  /** Script of kk-KZ segments; default `ORIGINAL`. */
  script: ExportScript;
  /** TXT/DOCX: `[HH:MM:SS]` per turn; TSV: start/end columns. Default true. */
  timestamps: boolean;
  /** Show speaker names. Default true. */
  speakers: boolean;
  /** Mark each turn's language. Default false. */
  languageTags: boolean;
  /** TXT/DOCX: one paragraph per speaker turn (else one per segment). Default true. */
  mergeTurns: boolean;
  /** Headers, default speaker labels and dates. Default `kk`. */
  locale: ExportLocale;
  /** SRT/VTT: most characters per line, two lines per cue. Default 42. */
  maxLineChars: number;
  /** SRT/VTT: longest a cue stays on screen, in seconds. Default 7. */
  maxCueSeconds: number;
}

/** The defaults (issue 13). */
export const DEFAULT_EXPORT_OPTIONS: Readonly<ExportOptions> = Object.freeze({
  script: 'ORIGINAL',
  timestamps: true,
  speakers: true,
  languageTags: false,
  mergeTurns: true,
  locale: 'kk',
  maxLineChars: 42,
  maxCueSeconds: 7,
});

/** Bounds of the numeric options. */
export const LINE_CHARS_RANGE = { min: 16, max: 120 } as const;
export const CUE_SECONDS_RANGE = { min: 1, max: 30 } as const;

/** Options as a caller gives them: any may be missing or null. */
export type ExportOptionsInput = { [K in keyof ExportOptions]?: ExportOptions[K] | null };

const bad = (message: string): BadInputError => new BadInputError(message, 'INVALID_EXPORT_OPTION');

/**
 * Applies defaults and checks values.
 * @throws BadInputError (reason INVALID_EXPORT_OPTION) naming the option and its allowed values.
 */
export function resolveExportOptions(input?: ExportOptionsInput | null): ExportOptions {
  const o: ExportOptions = { ...DEFAULT_EXPORT_OPTIONS };
  const given = (input ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(DEFAULT_EXPORT_OPTIONS)) {
    const value = given[key];
    if (value !== null && value !== undefined) {
      (o as unknown as Record<string, unknown>)[key] = value;
    }
  }
  if (!(o.script in EXPORT_SCRIPTS)) {
    throw bad(
      `Unknown script "${String(o.script)}": use one of ${Object.keys(EXPORT_SCRIPTS).join(', ')}.`,
    );
  }
  if (!EXPORT_LOCALES.includes(o.locale)) {
    throw bad(`Unknown locale "${String(o.locale)}": use one of ${EXPORT_LOCALES.join(', ')}.`);
  }
  const { min: lmin, max: lmax } = LINE_CHARS_RANGE;
  if (!Number.isInteger(o.maxLineChars) || o.maxLineChars < lmin || o.maxLineChars > lmax) {
    throw bad(`maxLineChars must be a whole number from ${lmin} to ${lmax} (default 42).`);
  }
  const { min: smin, max: smax } = CUE_SECONDS_RANGE;
  if (!Number.isFinite(o.maxCueSeconds) || o.maxCueSeconds < smin || o.maxCueSeconds > smax) {
    throw bad(`maxCueSeconds must be a number of seconds from ${smin} to ${smax} (default 7).`);
  }
  return o;
}

const BOOLEAN_PARAMS = ['timestamps', 'speakers', 'languageTags', 'mergeTurns'] as const;
/** Query parameters that are not export options but may come with a download link. */
const OTHER_PARAMS = new Set(['token']);

/** Every query parameter name {@link parseExportQuery} accepts, for messages. */
export const EXPORT_QUERY_PARAMS: readonly string[] = [
  'script',
  ...BOOLEAN_PARAMS,
  'locale',
  'maxLineChars',
  'maxCueSeconds',
];

function parseBoolean(name: string, raw: string): boolean {
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw bad(`${name}=${raw}: use ${name}=true or ${name}=false.`);
}

function scriptOfParam(raw: string): ExportScript {
  const found = (Object.keys(EXPORT_SCRIPTS) as ExportScript[]).find(
    (s) => EXPORT_SCRIPTS[s].param === raw.toLowerCase() || s === raw.toUpperCase(),
  );
  if (!found) {
    const allowed = Object.values(EXPORT_SCRIPTS).map((s) => s.param);
    throw bad(`script=${raw} is not a script we write: use one of ${allowed.join(', ')}.`);
  }
  return found;
}

/**
 * Reads export options from HTTP query parameters
 * (`?script=kazakh-latin-2021&timestamps=false&locale=ru&maxLineChars=37&maxCueSeconds=5.5`).
 * Booleans are `true`/`false` (or `1`/`0`); `token` (signed links) is ignored.
 * @throws BadInputError for an unknown parameter, a repeated one or a value outside the allowed ones.
 */
export function parseExportQuery(query: Record<string, unknown>): ExportOptions {
  const input: ExportOptionsInput = {};
  for (const [name, value] of Object.entries(query)) {
    if (OTHER_PARAMS.has(name)) continue;
    if (typeof value !== 'string') throw bad(`Give ${name} once, as name=value.`);
    if (name === 'script') input.script = scriptOfParam(value);
    else if (name === 'locale') input.locale = value as ExportLocale;
    else if (name === 'maxLineChars' || name === 'maxCueSeconds') {
      input[name] = value.trim() === '' ? Number.NaN : Number(value);
    } else if ((BOOLEAN_PARAMS as readonly string[]).includes(name)) {
      input[name as (typeof BOOLEAN_PARAMS)[number]] = parseBoolean(name, value);
    } else {
      throw bad(`Unknown export option "${name}": use ${EXPORT_QUERY_PARAMS.join(', ')}.`);
    }
  }
  return resolveExportOptions(input);
}

/**
 * The query string of options that differ from the defaults, in the names
 * {@link parseExportQuery} reads (`script=kazakh-latin-2021&timestamps=false`); empty when all
 * are defaults.
 */
export function exportQueryString(options: ExportOptions): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(DEFAULT_EXPORT_OPTIONS) as (keyof ExportOptions)[]) {
    const value = options[key];
    if (value === DEFAULT_EXPORT_OPTIONS[key]) continue;
    params.set(key, key === 'script' ? EXPORT_SCRIPTS[options.script].param : String(value));
  }
  return params.toString();
}
