/**
 * Kazakh Cyrillic → Latin transliteration (pure). Letters come from the committed
 * {@link LETTER_TABLE}; case is carried over letter by letter from the Cyrillic, never through
 * `String.prototype.toUpperCase` (which turns `i` into `I`, not the `İ` of the 2021 alphabet).
 */
import { LETTER_TABLE, type LatinForms } from './tables.js';

/** Scripts an export can be written in (GraphQL enum `Script`). */
export type ExportScript = 'ORIGINAL' | 'KAZAKH_LATIN_2021' | 'BGN_PCGN';

/** A Latin script (every {@link ExportScript} except `ORIGINAL`). */
export type LatinScript = Exclude<ExportScript, 'ORIGINAL'>;

interface Entry {
  forms: LatinForms;
  upper: boolean;
}

function buildMap(script: LatinScript): Map<string, Entry> {
  const map = new Map<string, Entry>();
  for (const row of LETTER_TABLE) {
    const forms = script === 'KAZAKH_LATIN_2021' ? row.kazakhLatin2021 : row.bgnPcgn;
    map.set(row.cyrillic[0], { forms, upper: true });
    map.set(row.cyrillic[1], { forms, upper: false });
  }
  return map;
}

const MAPS: Record<LatinScript, Map<string, Entry>> = {
  KAZAKH_LATIN_2021: buildMap('KAZAKH_LATIN_2021'),
  BGN_PCGN: buildMap('BGN_PCGN'),
};

/** Look-alikes replaced anywhere in Kazakh text: IPA/Latin letters people type for ә and ө. */
const ALWAYS_LOOKALIKES: Readonly<Record<string, string>> = {
  ə: 'ә',
  ǝ: 'ә',
  Ə: 'Ә',
  ɵ: 'ө',
  Ɵ: 'Ө',
};

/**
 * Latin letters that look like Cyrillic ones, replaced only inside a word that also has Cyrillic
 * letters (`мектeп` with a Latin e), so Latin words (`iPhone`, `Wi-Fi`) stay as they are. Latin
 * `i`/`I` stand for Kazakh `і`/`І` (the letter most often typed with a Latin key).
 */
const WORD_LOOKALIKES: Readonly<Record<string, string>> = {
  i: 'і',
  I: 'І',
  a: 'а',
  c: 'с',
  e: 'е',
  h: 'һ',
  o: 'о',
  p: 'р',
  x: 'х',
  y: 'у',
  A: 'А',
  B: 'В',
  C: 'С',
  E: 'Е',
  H: 'Н',
  K: 'К',
  M: 'М',
  O: 'О',
  P: 'Р',
  T: 'Т',
  X: 'Х',
  Y: 'У',
};

const WORD = /[\p{L}\p{M}]+/gu;
const CYRILLIC = /\p{Script=Cyrillic}/u;

/**
 * Replaces look-alike characters in recognised Kazakh text with the Kazakh letters they stand
 * for: `ə`/`ǝ` → `ә`, `ɵ` → `ө` (capitals too) everywhere, and Latin letters that look like
 * Cyrillic ones (`i` → `і`, `e` → `е`, …) inside words that have Cyrillic letters. The result has
 * the same length as `text`. Applied before transliterating; `ORIGINAL` exports keep the text as
 * stored.
 */
export function normalizeLookalikes(text: string): string {
  let out = '';
  for (const ch of text) out += ALWAYS_LOOKALIKES[ch] ?? ch;
  return out.replace(WORD, (word) =>
    CYRILLIC.test(word) ? word.replace(/[A-Za-z]/g, (ch) => WORD_LOOKALIKES[ch] ?? ch) : word,
  );
}

/** Whether `ch` is a capital letter (of any script). */
const isUpper = (ch: string | undefined): boolean =>
  ch !== undefined && /\p{Lu}/u.test(ch) && ch !== ch.toLowerCase();
const isLetter = (ch: string | undefined): boolean => ch !== undefined && /\p{L}/u.test(ch);

/**
 * Transliterates Kazakh Cyrillic text into a Latin script, after {@link normalizeLookalikes}.
 * Characters without a row in the table (digits, punctuation, Latin letters) are kept. A capital
 * written with several Latin letters is title case at the start of a word or sentence
 * (`Шымкент` → `Şymkent`, `Щука` → `Şşuka`) and all capitals inside an all-capitals word
 * (`ЩИТ` → `ŞŞİT`, `ЮНИСЕФ` → `İUNİSEF`): all capitals when the next letter is a capital, or
 * when no letter follows and the previous letter is one.
 * @param script `ORIGINAL` returns `text` unchanged.
 */
export function transliterate(text: string, script: ExportScript): string {
  if (script === 'ORIGINAL') return text;
  const map = MAPS[script];
  const chars = Array.from(normalizeLookalikes(text));
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const entry = map.get(chars[i]);
    if (!entry) {
      out += chars[i];
      continue;
    }
    const { forms } = entry;
    if (!entry.upper) {
      out += forms.lower;
      continue;
    }
    const next = chars[i + 1];
    const allCaps = isLetter(next) ? isUpper(next) : isUpper(chars[i - 1]);
    out += allCaps ? forms.caps : forms.upper;
  }
  return out;
}

/** Capitals of the 2021 alphabet's dotted and dotless i (Turkish-style), see {@link upperKazakhLatin}. */
const LATIN_2021_UPPER: Readonly<Record<string, string>> = { i: 'İ', ı: 'I' };
const LATIN_2021_LOWER: Readonly<Record<string, string>> = { İ: 'i', I: 'ı' };

/**
 * Upper-cases text written in the 2021 Kazakh Latin alphabet: `i` → `İ`, `ı` → `I`, other letters
 * as `toUpperCase` does (`"i".toUpperCase()` would give `I`, the capital of `ı`).
 */
export function upperKazakhLatin(text: string): string {
  let out = '';
  for (const ch of text) out += LATIN_2021_UPPER[ch] ?? ch.toUpperCase();
  return out;
}

/**
 * Lower-cases text written in the 2021 Kazakh Latin alphabet: `İ` → `i`, `I` → `ı`, other letters
 * as `toLowerCase` does (`"İ".toLowerCase()` would give `i̇`, i with a combining dot).
 */
export function lowerKazakhLatin(text: string): string {
  let out = '';
  for (const ch of text) out += LATIN_2021_LOWER[ch] ?? ch.toLowerCase();
  return out;
}

/**
 * Whether a BCP-47 tag is Kazakh (`kk`, `kk-KZ`, `kk-Cyrl-KZ`): only such segments are
 * transliterated; Russian and unknown ones stay as recognised.
 */
export function isKazakh(language: string | null | undefined): boolean {
  return typeof language === 'string' && /^kk(-|$)/i.test(language);
}
