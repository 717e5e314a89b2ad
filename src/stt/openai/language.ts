/**
 * Mapping between Whisper's languages and the service's BCP-47 whitelist (`kk-KZ`, `ru-RU`, … or
 * `["auto"]`, see `SUPPORTED_LANGUAGES` in `src/domain.ts`), and the strategy for choosing the
 * `language` field when the whitelist has several languages.
 *
 * Sources:
 * - Whisper's codes and full names: openai/whisper@whisper/tokenizer.py (c0d2f62) `LANGUAGES`
 *   (`"kk": "kazakh"`, `"ru": "russian"`, `"tt": "tatar"`, `"ba": "bashkir"`, …). whisper.cpp
 *   reports these full names (`whisper_lang_str_full`), so does OpenAI `whisper-1` (`"english"`
 *   in openai/openai-python#245); speaches and vLLM report codes.
 * - Per-segment language does not exist on the wire: one `language` per answer (doc §1.4,
 *   SYSTRAN/faster-whisper `Segment` has no language field). Hence retries per piece, not per
 *   segment.
 */
import { looksWrongLanguage, scoreTranscription } from './hallucination.js';
import type { ParsedTranscription } from './response.js';

/**
 * Whisper code → full name, from openai/whisper tokenizer.py `LANGUAGES`, for the languages the
 * service supports and the ones Whisper confuses with Kazakh and Russian (Turkic neighbours,
 * East Slavic). `ky` (Kyrgyz) is **not** a Whisper language; it is listed because other
 * OpenAI-compatible models may report it.
 */
export const WHISPER_LANGUAGE_NAMES: Readonly<Record<string, string>> = Object.freeze({
  kk: 'kazakh',
  ru: 'russian',
  en: 'english',
  tt: 'tatar',
  ba: 'bashkir',
  uz: 'uzbek',
  ky: 'kyrgyz',
  uk: 'ukrainian',
  be: 'belarusian',
  tg: 'tajik',
  tk: 'turkmen',
  az: 'azerbaijani',
  mn: 'mongolian',
  tr: 'turkish',
  de: 'german',
  es: 'spanish',
  fi: 'finnish',
  fr: 'french',
  he: 'hebrew',
  it: 'italian',
  nl: 'dutch',
  pl: 'polish',
  pt: 'portuguese',
  sv: 'swedish',
});

const CODE_BY_NAME = new Map<string, string>(
  Object.entries(WHISPER_LANGUAGE_NAMES).map(([code, name]) => [name, code]),
);

/**
 * The tag a code maps to when the whitelist is `["auto"]`: the region the service uses for it
 * (`SUPPORTED_LANGUAGES` in `src/domain.ts`), else the bare code (itself a valid BCP-47 tag).
 */
const DEFAULT_TAG: Readonly<Record<string, string>> = Object.freeze({
  kk: 'kk-KZ',
  ru: 'ru-RU',
  en: 'en-US',
  de: 'de-DE',
  es: 'es-ES',
  fi: 'fi-FI',
  fr: 'fr-FR',
  he: 'he-HE',
  it: 'it-IT',
  nl: 'nl-NL',
  pl: 'pl-PL',
  pt: 'pt-PT',
  sv: 'sv-SE',
  tr: 'tr-TR',
  uz: 'uz-UZ',
});

/**
 * The languages tried when the whitelist is `["auto"]` but the server cannot detect: the
 * service's defaults (`DEFAULT_LANGUAGES` in `src/domain.ts`).
 */
export const FALLBACK_LANGUAGES: readonly string[] = Object.freeze(['kk', 'ru']);

/** Primary subtag, lower case: `kk-KZ` → `kk`, `kk_KZ` → `kk`, `KK` → `kk`. */
function primarySubtag(tag: string): string {
  return tag.trim().toLowerCase().split(/[-_]/)[0];
}

/**
 * The Whisper code for a whitelist tag: `toWhisperLanguage('kk-KZ')` → `'kk'`,
 * `'ru-RU'` → `'ru'`, `'auto'` → `'auto'`; `undefined` for a language not in
 * {@link WHISPER_LANGUAGE_NAMES}.
 */
export function toWhisperLanguage(tag: string): string | undefined {
  const code = primarySubtag(tag);
  if (code === 'auto') return 'auto';
  return code in WHISPER_LANGUAGE_NAMES ? code : undefined;
}

/**
 * The Whisper code for a language as a server reported it — a code (`kk`, `KK`, `kk-KZ`) or a
 * full name (`kazakh`, `Kazakh`) — or `undefined` when unknown.
 */
export function reportedLanguageCode(reported: string | undefined): string | undefined {
  if (reported === undefined) return undefined;
  const lower = reported.trim().toLowerCase();
  if (lower === '') return undefined;
  const byName = CODE_BY_NAME.get(lower);
  if (byName !== undefined) return byName;
  const code = primarySubtag(lower);
  return code in WHISPER_LANGUAGE_NAMES ? code : undefined;
}

/**
 * The whitelist tag for a reported language: `fromReportedLanguage('kazakh', ['kk-KZ','ru-RU'])`
 * → `'kk-KZ'` (also for `kk`, `KK`, `Kazakh`). A language outside the whitelist is **not an
 * answer** and gives `undefined` — e.g. `tt`/`ba` (Tatar/Bashkir, heard on Kazakh speech) or
 * `en` (Whisper's default and its language of silence). With the whitelist `["auto"]` any known
 * language is accepted and given the service's usual region (`kk` → `kk-KZ`, `tt` → `tt`).
 */
export function fromReportedLanguage(
  reported: string | undefined,
  whitelist: readonly string[],
): string | undefined {
  const code = reportedLanguageCode(reported);
  if (code === undefined) return undefined;
  if (whitelist.some((tag) => primarySubtag(tag) === 'auto')) return DEFAULT_TAG[code] ?? code;
  return whitelist.find((tag) => primarySubtag(tag) === code);
}

/** How a server can be asked to detect the language. */
export type LanguageDetection =
  /** Send `language=auto` (whisper.cpp: "'auto' for auto-detect"; absent means `en`). */
  | 'auto'
  /** Leave `language` out (OpenAI `whisper-1`; speaches — faster-whisper rejects `auto`). */
  | 'omit'
  /** The server cannot be asked to detect (vLLM: absent means `en`). */
  | 'none';

/** What to send for one piece, and what to retry it in. */
export interface LanguagePlan {
  /** The `language` field of the first request: a Whisper code, or `'auto'`. */
  first: string;
  /** Pass to `transcriptionFields` as `omitAutoLanguage` (true only for `'omit'` servers). */
  omitAutoLanguage: boolean;
  /**
   * Whisper codes of the whitelist, in whitelist order: the candidates for retries. Empty when the
   * whitelist has one language (nothing else to try) or is `["auto"]` on a detecting server.
   */
  candidates: string[];
}

/**
 * The language strategy for a whitelist:
 * - **one language** (`['kk-KZ']`) → send it (`kk`); no retries: the user said what it is.
 * - **several** (`['kk-KZ','ru-RU']`) on a server that detects → send `auto` (or omit, per
 *   `detection`), then {@link retryLanguages}: if the answer's language is outside the whitelist
 *   (`tt`, `en`) or it {@link looksWrongLanguage} (duration-weighted avg_logprob < -1.0), retry the
 *   piece in each other whitelisted language and keep the best by {@link bestAttempt}.
 * - **several** on a server that cannot detect (`'none'`, vLLM) → send the first (`kk`), retry in
 *   the others on a wrong-looking answer.
 * - **`["auto"]`** → send `auto` on a detecting server and accept what it says; on a server that
 *   cannot detect, behave as {@link FALLBACK_LANGUAGES} (`kk`, then `ru`).
 * Tags without a Whisper code (e.g. a language Whisper lacks) are left out; a whitelist left empty
 * by that behaves as `["auto"]`.
 *
 * @param detection how this server detects; default `'auto'` (whisper.cpp). Use `'omit'` for
 *   OpenAI and speaches, `'none'` for vLLM.
 */
export function requestLanguagesFor(
  whitelist: readonly string[],
  detection: LanguageDetection = 'auto',
): LanguagePlan {
  const isAuto = whitelist.some((tag) => primarySubtag(tag) === 'auto');
  const codes = isAuto
    ? []
    : [
        ...new Set(
          whitelist
            .map(toWhisperLanguage)
            .filter((c): c is string => c !== undefined && c !== 'auto'),
        ),
      ];
  const omitAutoLanguage = detection === 'omit';
  if (codes.length === 1) return { first: codes[0], omitAutoLanguage, candidates: [] };
  if (codes.length === 0) {
    if (detection !== 'none') return { first: 'auto', omitAutoLanguage, candidates: [] };
    return { first: FALLBACK_LANGUAGES[0], omitAutoLanguage, candidates: [...FALLBACK_LANGUAGES] };
  }
  if (detection === 'none') return { first: codes[0], omitAutoLanguage, candidates: codes };
  return { first: 'auto', omitAutoLanguage, candidates: codes };
}

/**
 * The Whisper codes to retry a piece in after the first answer, in whitelist order; empty when the
 * answer is acceptable. The answer is retried when the language it reports is not a candidate
 * (e.g. `tt` or `en` for `kk`/`ru`) or it {@link looksWrongLanguage} at `threshold`; the language
 * it was decoded in (the one sent, or the one detected) is not tried again.
 */
export function retryLanguages(
  plan: LanguagePlan,
  first: Pick<ParsedTranscription, 'language' | 'segments'>,
  threshold?: number,
): string[] {
  if (plan.candidates.length === 0) return [];
  const decodedIn = plan.first === 'auto' ? reportedLanguageCode(first.language) : plan.first;
  const outside = decodedIn === undefined || !plan.candidates.includes(decodedIn);
  if (!outside && !looksWrongLanguage(first, threshold)) return [];
  return plan.candidates.filter((c) => c !== decodedIn);
}

/** One decoding of a piece: the `language` field sent and the parsed answer. */
export interface LanguageAttempt {
  language: string;
  parsed: ParsedTranscription;
}

/**
 * The attempt with the highest {@link scoreTranscription}; attempts with an unknown score lose to
 * scored ones, and ties (or all unknown) keep the earliest. `undefined` for an empty list.
 */
export function bestAttempt<A extends LanguageAttempt>(attempts: readonly A[]): A | undefined {
  let best: A | undefined;
  let bestScore: number | undefined;
  for (const attempt of attempts) {
    const score = scoreTranscription(attempt.parsed);
    if (
      best === undefined ||
      (score !== undefined && (bestScore === undefined || score > bestScore))
    ) {
      best = attempt;
      bestScore = score;
    }
  }
  return best;
}
