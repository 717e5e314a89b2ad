/**
 * Letter tables of the Kazakh Cyrillic → Latin transliterations, one row per Cyrillic letter
 * (the 33 Russian letters and the 9 Kazakh ones), each with the source it comes from. This file
 * is data: `transliterate.ts` reads it and `tests/unit/exports/script.test.ts` checks every row.
 *
 * Each script gives three forms per letter: `lower` (inside a lower-case word), `upper` (a
 * capital starting a word: "Ш" in "Шымкент" → "Sh") and `caps` (inside an all-capitals word:
 * "ШЫМКЕНТ" → "SH"); they differ only where a letter becomes more than one Latin letter.
 *
 * Sources (read 2026-12, copied here so nothing is fetched at run time):
 * - KAZAKH_LATIN_2021: the 31-letter alphabet A Ä B D E F G Ğ H I İ J K L M N Ñ O Ö P Q R S Ş T
 *   U Ū Ü V Y Z presented by the government of Kazakhstan on 28 January 2021
 *   (https://folkpublication.com/en/2766-the-government-presented-a-new-version-of-the-kazakh-alphabet-in-latin ;
 *   sample text and letter list on https://en.wikipedia.org/wiki/Kazakh_alphabets). It was
 *   presented, not enacted (no signed decree found). ң is Ñ as on en.wikipedia (a 2019 draft had Ŋ).
 *   Capitals are Turkish-style: и/й → i with capital İ, і → ı with capital I.
 * - Letters the 2021 alphabet leaves open (ё ц ч щ ъ ь э ю я, used in Russian loanwords): the
 *   rule chosen here, see each row's `source2021`.
 * - BGN_PCGN: BGN/PCGN 1979 romanization of Kazakh as published
 *   (https://assets.publishing.service.gov.uk/government/uploads/system/uploads/attachment_data/file/811511/ROMANIZATION_OF_KAZAKH.pdf),
 *   letter by letter as in interscript/maps@maps/bgnpcgn-kaz-Cyrl-Latn-1979.imp (abac1e4). Its
 *   optional middle dot for гһ зһ кһ нг сһ цһ (g·h …) and the optional i̵ for ы are not used.
 */

/** One letter's forms in one script. */
export interface LatinForms {
  /** In a lower-case word. */
  lower: string;
  /** A capital followed by lower case (word or sentence start). */
  upper: string;
  /** Inside an all-capitals word. */
  caps: string;
}

/** One Cyrillic letter and its Latin forms, with where each comes from. */
export interface LetterRow {
  /** The Cyrillic capital and small letter, e.g. `['Ә', 'ә']`. */
  cyrillic: readonly [string, string];
  kazakhLatin2021: LatinForms;
  /** Where the 2021 form comes from (or why it was chosen, for letters 2021 leaves open). */
  source2021: string;
  bgnPcgn: LatinForms;
  /** Where the BGN/PCGN form comes from. */
  sourceBgn: string;
}

const ALPHABET_2021 = '2021 alphabet (presented 28 Jan 2021)';
const BGN = 'BGN/PCGN 1979 (interscript/maps bgnpcgn-kaz-Cyrl-Latn-1979)';

/** Forms of a single letter (capital `U`, small `l`); multi-letter forms use {@link multi}. */
const one = (upper: string, lower: string): LatinForms => ({ lower, upper, caps: upper });
/** Forms of a letter written with several Latin letters. */
const multi = (upper: string, lower: string, caps: string): LatinForms => ({ lower, upper, caps });
/** A letter that is dropped. */
const none: LatinForms = { lower: '', upper: '', caps: '' };
/** A case-less mark (BGN's ’ and ”). */
const mark = (m: string): LatinForms => ({ lower: m, upper: m, caps: m });

/** Every Cyrillic letter of Kazakh, in Kazakh alphabetical order. */
// prettier-ignore
export const LETTER_TABLE: readonly LetterRow[] = Object.freeze([
  { cyrillic: ['А', 'а'], kazakhLatin2021: one('A', 'a'), source2021: ALPHABET_2021, bgnPcgn: one('A', 'a'), sourceBgn: BGN },
  { cyrillic: ['Ә', 'ә'], kazakhLatin2021: one('Ä', 'ä'), source2021: ALPHABET_2021, bgnPcgn: one('Ä', 'ä'), sourceBgn: BGN },
  { cyrillic: ['Б', 'б'], kazakhLatin2021: one('B', 'b'), source2021: ALPHABET_2021, bgnPcgn: one('B', 'b'), sourceBgn: BGN },
  { cyrillic: ['В', 'в'], kazakhLatin2021: one('V', 'v'), source2021: ALPHABET_2021, bgnPcgn: one('V', 'v'), sourceBgn: BGN },
  { cyrillic: ['Г', 'г'], kazakhLatin2021: one('G', 'g'), source2021: ALPHABET_2021, bgnPcgn: one('G', 'g'), sourceBgn: BGN },
  { cyrillic: ['Ғ', 'ғ'], kazakhLatin2021: one('Ğ', 'ğ'), source2021: ALPHABET_2021, bgnPcgn: multi('Gh', 'gh', 'GH'), sourceBgn: BGN },
  { cyrillic: ['Д', 'д'], kazakhLatin2021: one('D', 'd'), source2021: ALPHABET_2021, bgnPcgn: one('D', 'd'), sourceBgn: BGN },
  { cyrillic: ['Е', 'е'], kazakhLatin2021: one('E', 'e'), source2021: ALPHABET_2021, bgnPcgn: one('E', 'e'), sourceBgn: BGN },
  {
    cyrillic: ['Ё', 'ё'],
    kazakhLatin2021: multi('İo', 'io', 'İO'),
    source2021: 'open in 2021; chosen: й + о written with the 2021 letters (İ for й), as Stanza does (stanfordnlp/stanza kazakh_transliteration.py)',
    bgnPcgn: multi('Yo', 'yo', 'YO'),
    sourceBgn: BGN,
  },
  { cyrillic: ['Ж', 'ж'], kazakhLatin2021: one('J', 'j'), source2021: ALPHABET_2021, bgnPcgn: multi('Zh', 'zh', 'ZH'), sourceBgn: BGN },
  { cyrillic: ['З', 'з'], kazakhLatin2021: one('Z', 'z'), source2021: ALPHABET_2021, bgnPcgn: one('Z', 'z'), sourceBgn: BGN },
  { cyrillic: ['И', 'и'], kazakhLatin2021: one('İ', 'i'), source2021: ALPHABET_2021, bgnPcgn: one('Ī', 'ī'), sourceBgn: BGN },
  { cyrillic: ['Й', 'й'], kazakhLatin2021: one('İ', 'i'), source2021: `${ALPHABET_2021}: й and и are both i`, bgnPcgn: one('Y', 'y'), sourceBgn: BGN },
  { cyrillic: ['К', 'к'], kazakhLatin2021: one('K', 'k'), source2021: ALPHABET_2021, bgnPcgn: one('K', 'k'), sourceBgn: BGN },
  { cyrillic: ['Қ', 'қ'], kazakhLatin2021: one('Q', 'q'), source2021: ALPHABET_2021, bgnPcgn: one('Q', 'q'), sourceBgn: BGN },
  { cyrillic: ['Л', 'л'], kazakhLatin2021: one('L', 'l'), source2021: ALPHABET_2021, bgnPcgn: one('L', 'l'), sourceBgn: BGN },
  { cyrillic: ['М', 'м'], kazakhLatin2021: one('M', 'm'), source2021: ALPHABET_2021, bgnPcgn: one('M', 'm'), sourceBgn: BGN },
  { cyrillic: ['Н', 'н'], kazakhLatin2021: one('N', 'n'), source2021: ALPHABET_2021, bgnPcgn: one('N', 'n'), sourceBgn: BGN },
  {
    cyrillic: ['Ң', 'ң'],
    kazakhLatin2021: one('Ñ', 'ñ'),
    source2021: `${ALPHABET_2021}: Ñ per en.wikipedia "Kazakh alphabets" (the 2019 draft had Ŋ)`,
    bgnPcgn: multi('Ng', 'ng', 'NG'),
    sourceBgn: BGN,
  },
  { cyrillic: ['О', 'о'], kazakhLatin2021: one('O', 'o'), source2021: ALPHABET_2021, bgnPcgn: one('O', 'o'), sourceBgn: BGN },
  { cyrillic: ['Ө', 'ө'], kazakhLatin2021: one('Ö', 'ö'), source2021: ALPHABET_2021, bgnPcgn: one('Ö', 'ö'), sourceBgn: BGN },
  { cyrillic: ['П', 'п'], kazakhLatin2021: one('P', 'p'), source2021: ALPHABET_2021, bgnPcgn: one('P', 'p'), sourceBgn: BGN },
  { cyrillic: ['Р', 'р'], kazakhLatin2021: one('R', 'r'), source2021: ALPHABET_2021, bgnPcgn: one('R', 'r'), sourceBgn: BGN },
  { cyrillic: ['С', 'с'], kazakhLatin2021: one('S', 's'), source2021: ALPHABET_2021, bgnPcgn: one('S', 's'), sourceBgn: BGN },
  { cyrillic: ['Т', 'т'], kazakhLatin2021: one('T', 't'), source2021: ALPHABET_2021, bgnPcgn: one('T', 't'), sourceBgn: BGN },
  { cyrillic: ['У', 'у'], kazakhLatin2021: one('U', 'u'), source2021: ALPHABET_2021, bgnPcgn: one('Ū', 'ū'), sourceBgn: BGN },
  { cyrillic: ['Ұ', 'ұ'], kazakhLatin2021: one('Ū', 'ū'), source2021: ALPHABET_2021, bgnPcgn: one('U', 'u'), sourceBgn: BGN },
  { cyrillic: ['Ү', 'ү'], kazakhLatin2021: one('Ü', 'ü'), source2021: ALPHABET_2021, bgnPcgn: one('Ü', 'ü'), sourceBgn: BGN },
  { cyrillic: ['Ф', 'ф'], kazakhLatin2021: one('F', 'f'), source2021: ALPHABET_2021, bgnPcgn: one('F', 'f'), sourceBgn: BGN },
  { cyrillic: ['Х', 'х'], kazakhLatin2021: one('H', 'h'), source2021: `${ALPHABET_2021}: х and һ are both h`, bgnPcgn: multi('Kh', 'kh', 'KH'), sourceBgn: BGN },
  { cyrillic: ['Һ', 'һ'], kazakhLatin2021: one('H', 'h'), source2021: ALPHABET_2021, bgnPcgn: one('H', 'h'), sourceBgn: BGN },
  {
    cyrillic: ['Ц', 'ц'],
    kazakhLatin2021: multi('Ts', 'ts', 'TS'),
    source2021: 'open in 2021; chosen: ts, the sound written with 2021 letters (2021 has no C; BGN/PCGN also writes ts)',
    bgnPcgn: multi('Ts', 'ts', 'TS'),
    sourceBgn: BGN,
  },
  {
    cyrillic: ['Ч', 'ч'],
    kazakhLatin2021: multi('Ch', 'ch', 'CH'),
    source2021: 'open in 2021; chosen: ch as in the 2018 alphabet (2021 has no Ç; Stanza writes ç)',
    bgnPcgn: multi('Ch', 'ch', 'CH'),
    sourceBgn: BGN,
  },
  { cyrillic: ['Ш', 'ш'], kazakhLatin2021: one('Ş', 'ş'), source2021: ALPHABET_2021, bgnPcgn: multi('Sh', 'sh', 'SH'), sourceBgn: BGN },
  {
    cyrillic: ['Щ', 'щ'],
    kazakhLatin2021: multi('Şş', 'şş', 'ŞŞ'),
    source2021: 'open in 2021; chosen: şş, щ read as a long ш (other implementations: şç)',
    bgnPcgn: multi('Shch', 'shch', 'SHCH'),
    sourceBgn: BGN,
  },
  {
    cyrillic: ['Ъ', 'ъ'],
    kazakhLatin2021: none,
    source2021: 'open in 2021; chosen: dropped, as the 2017 alphabet and Stanza do (it has no sound of its own)',
    bgnPcgn: mark('”'),
    sourceBgn: BGN,
  },
  { cyrillic: ['Ы', 'ы'], kazakhLatin2021: one('Y', 'y'), source2021: ALPHABET_2021, bgnPcgn: one('Y', 'y'), sourceBgn: BGN },
  {
    cyrillic: ['І', 'і'],
    kazakhLatin2021: one('I', 'ı'),
    source2021: `${ALPHABET_2021}: dotless ı, capital I`,
    bgnPcgn: one('I', 'i'),
    sourceBgn: BGN,
  },
  {
    cyrillic: ['Ь', 'ь'],
    kazakhLatin2021: none,
    source2021: 'open in 2021; chosen: dropped, as the 2017 alphabet and Stanza do (it has no sound of its own)',
    bgnPcgn: mark('’'),
    sourceBgn: BGN,
  },
  {
    cyrillic: ['Э', 'э'],
    kazakhLatin2021: one('E', 'e'),
    source2021: 'open in 2021; chosen: e, the same vowel as е (Stanza does the same)',
    bgnPcgn: one('Ė', 'ė'),
    sourceBgn: BGN,
  },
  {
    cyrillic: ['Ю', 'ю'],
    kazakhLatin2021: multi('İu', 'iu', 'İU'),
    source2021: 'open in 2021; chosen: й + у written with the 2021 letters (İ for й), as Stanza does',
    bgnPcgn: multi('Yu', 'yu', 'YU'),
    sourceBgn: BGN,
  },
  {
    cyrillic: ['Я', 'я'],
    kazakhLatin2021: multi('İa', 'ia', 'İA'),
    source2021: 'open in 2021; chosen: й + а written with the 2021 letters (İ for й), as Stanza does',
    bgnPcgn: multi('Ya', 'ya', 'YA'),
    sourceBgn: BGN,
  },
]);
