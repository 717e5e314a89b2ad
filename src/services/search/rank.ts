/**
 * Relevance of search hits, the same on every database: BM25 (k1 1.2, b 0.75, like SQLite's
 * FTS5) over one window of matches, with document frequencies and the average length taken
 * from that window. A word counts for a term when it starts with one of the term's prefixes
 * (or equals a one-letter term), or with the term's Russian stem, or contains the term (the
 * dialect's extra forms, PostgreSQL only): exactly what the snippet marks.
 */
import type { Candidate } from './dialect.js';
import type { MatchForms } from './snippet.js';
import { WORD, type SearchTerm } from './text.js';

const K1 = 1.2;
const B = 0.75;

/** A candidate with its score (higher is better). */
export interface Scored extends Candidate {
  score: number;
}

/** The word test for one term, including the dialect's forms that belong to it. */
function termTest(t: SearchTerm, forms: MatchForms): (word: string) => boolean {
  if (t.whole) return (w) => w === t.word;
  const stems = (forms.prefixes ?? []).filter((p) => p.length > 1 && t.word.startsWith(p));
  const prefixes = [...t.prefixes, ...stems];
  const inside = forms.substrings?.includes(t.word) ?? false;
  return (w) => prefixes.some((p) => w.startsWith(p)) || (inside && w.includes(t.word));
}

/**
 * Scores the window's candidates for `terms` and sorts them best first (score, then newer
 * key first), rounding scores to 9 significant digits so that a cursor's copy compares equal.
 */
export function rankWindow(window: Candidate[], terms: SearchTerm[], forms: MatchForms): Scored[] {
  const tests = terms.map((t) => termTest(t, forms));
  const docs = window.map((c) => {
    // The index's text is folded but for the case (SQLite's tokenizer folds that), and offsets
    // do not matter here: the native lower-casing is enough (10× faster than `foldText`).
    const words = c.body.toLowerCase().match(WORD) ?? [];
    return { c, length: words.length, tf: tests.map((test) => words.filter(test).length) };
  });
  const n = docs.length;
  const avg = docs.reduce((s, d) => s + d.length, 0) / Math.max(n, 1) || 1;
  const idf = tests.map((_, i) => {
    const df = docs.filter((d) => d.tf[i] > 0).length;
    return Math.log((n - df + 0.5) / (df + 0.5) + 1);
  });
  const scored = docs.map(({ c, length, tf }) => {
    const norm = K1 * (1 - B + (B * length) / avg);
    const score = tf.reduce((s, f, i) => s + (idf[i] * f * (K1 + 1)) / (f + norm), 0);
    return { ...c, score: Number(score.toPrecision(9)) };
  });
  return scored.sort((a, b) => b.score - a.score || b.key - a.key);
}

/** True when `s` comes after the position (score, key) in {@link rankWindow}'s order. */
export function isAfter(s: Scored, score: number, key: number): boolean {
  return s.score < score || (s.score === score && s.key < key);
}
