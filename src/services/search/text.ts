/**
 * Search text rules shared by every dialect: how a person's query becomes search terms and how
 * segment text is folded so that Kazakh and Russian match whatever the case, `ё`/`е` and the
 * Latin look-alikes people type in Kazakh text.
 *
 * The folding is one character to one character (every letter involved is a single UTF-16 unit),
 * so a position in folded text is the same position in the original: snippets are cut and marked
 * on the original text from matches found on the folded one.
 */
import { BadInputError } from '../../errors.js';

/** Longest query accepted, in characters. */
export const MAX_QUERY_CHARS = 200;

/** Most words a query may have. */
export const MAX_QUERY_TERMS = 12;

/**
 * Characters folded beyond lower-casing: `ё`→`е`, and the Latin look-alikes of Kazakh letters
 * (`i`→`і`, `ə`→`ә`, `ɵ`→`ө`), capitals included. `FOLD_FROM[i]` becomes `FOLD_TO[i]`.
 */
export const FOLD_FROM = 'ёЁiIəƏɵƟ';
export const FOLD_TO = 'ееііәәөө';

/**
 * Upper-case Cyrillic letters of Russian and Kazakh with their lower-case forms, for databases
 * whose `lower()` depends on the server's locale (PostgreSQL in a `C` locale leaves `Қ` as is).
 */
export const CYRILLIC_UPPER = 'АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯӘҒҚҢӨҰҮҺІ';
export const CYRILLIC_LOWER = 'абвгдежзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі';

const FOLD = new Map<string, string>(
  [...FOLD_FROM].map((c, i) => [c, FOLD_TO[i]] as [string, string]),
);

/**
 * A word: letters, digits and combining marks (the characters SQLite's `unicode61` tokenizer
 * keeps in a token). Everything else — spaces, punctuation, FTS5 and tsquery operators such as
 * `"` `*` `(` `:` `&` `!` — separates words and is never passed to the database as syntax.
 */
export const WORD = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;

/** Folds one character: lower case (when that keeps it one character), then {@link FOLD_FROM}. */
function foldChar(c: string): string {
  const lower = c.toLowerCase();
  const one = lower.length === c.length ? lower : c;
  return FOLD.get(one) ?? one;
}

/** Folds text character by character; the result has exactly the length of `text`. */
export function foldText(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += foldChar(text[i]);
  return out;
}

/** One word of a query, folded, with the forms that count as a match. */
export interface SearchTerm {
  /** The folded word as typed. */
  word: string;
  /**
   * Folded prefixes any of which a segment's word must start with: the word itself, and for a
   * Russian fleeting vowel (`звонок` → `звонк`, `отец` → `отц`) the form without it. A word of
   * one character matches only itself (see {@link SearchTerm.whole}).
   */
  prefixes: string[];
  /** True for one-character words: they match whole words only, never as a prefix. */
  whole: boolean;
}

/** The parsed query: its terms (all must match) and a key that identifies it for cursors. */
export interface ParsedQuery {
  terms: SearchTerm[];
  /** Folded terms joined by spaces: equal for queries that search the same thing. */
  key: string;
}

/** Russian nouns that lose a vowel when declined: звонок/звонка, подарок/подарка, отец/отца. */
const FLEETING_VOWEL = /^(.+[^аеиоуыэюяё])[ое]([кцл])$/u;

/**
 * Parses what a person typed into search terms.
 * @throws BadInputError (reason EMPTY_QUERY) for an empty or only-spaces query, (QUERY_TOO_LONG)
 *   over {@link MAX_QUERY_CHARS} characters or {@link MAX_QUERY_TERMS} words.
 * @returns terms; none when the query has characters but no words (e.g. only `*`): nothing matches.
 */
export function parseQuery(query: string): ParsedQuery {
  if (query.trim() === '') {
    throw new BadInputError(
      'The search query is empty: type one or more words to search for.',
      'EMPTY_QUERY',
    );
  }
  if (query.length > MAX_QUERY_CHARS) {
    throw new BadInputError(
      `The search query has ${query.length} characters; at most ${MAX_QUERY_CHARS} are accepted. Search for a few distinctive words instead.`,
      'QUERY_TOO_LONG',
    );
  }
  const words = [...new Set((foldText(query).match(WORD) ?? []).map((w) => w.normalize('NFC')))];
  if (words.length > MAX_QUERY_TERMS) {
    throw new BadInputError(
      `The search query has ${words.length} words; at most ${MAX_QUERY_TERMS} are accepted. Search for a few distinctive words instead.`,
      'QUERY_TOO_LONG',
    );
  }
  const terms = words.map((word): SearchTerm => {
    const whole = [...word].length === 1;
    const fleeting = FLEETING_VOWEL.exec(word);
    const prefixes = fleeting ? [word, fleeting[1] + fleeting[2]] : [word];
    return { word, prefixes, whole };
  });
  return { terms, key: words.join(' ') };
}

/** Folded words of `text` with their offsets (UTF-16 units, the same in the original text). */
export function wordsOf(text: string): { word: string; start: number; end: number }[] {
  const folded = foldText(text);
  return [...folded.matchAll(WORD)].map((m) => ({
    word: m[0],
    start: m.index,
    end: m.index + m[0].length,
  }));
}
