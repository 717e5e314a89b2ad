/**
 * Snippets of search hits: a short piece of the segment's original text around the first match,
 * matched words marked with « and ». Plain text: guillemets already in the segment are written
 * as ‹ and › so that every « » in a snippet is a mark.
 */
import { wordsOf, type SearchTerm } from './text.js';

/** Characters of context kept before the first marked word. */
const BEFORE_CHARS = 40;

/** Longest snippet, in characters of the original text (marks and ellipses not counted). */
export const SNIPPET_CHARS = 160;

/** Extra forms a dialect matched on (PostgreSQL: Russian stems, substrings). */
export interface MatchForms {
  /** Folded prefixes (e.g. Russian stems) that also mark a word. */
  prefixes?: string[];
  /** Folded substrings (partial-word matches) that also mark a word. */
  substrings?: string[];
}

/** True when the folded `word` is matched by `term` or by the dialect's extra `forms`. */
function matches(word: string, terms: SearchTerm[], forms: MatchForms): boolean {
  for (const t of terms) {
    if (t.whole ? word === t.word : t.prefixes.some((p) => word.startsWith(p))) return true;
  }
  if (forms.prefixes?.some((p) => p.length > 1 && word.startsWith(p))) return true;
  return forms.substrings?.some((s) => word.includes(s)) ?? false;
}

/**
 * Builds the snippet of `text` for `terms`: up to {@link SNIPPET_CHARS} characters starting a
 * little before the first matched word, cut at word boundaries, `…` where text was left out.
 * Without a matched word (e.g. only a stem the dialect knows matched) the text's start is shown.
 */
export function buildSnippet(text: string, terms: SearchTerm[], forms: MatchForms = {}): string {
  const words = wordsOf(text);
  const marked = words.filter((w) => matches(w.word, terms, forms));
  let from = 0;
  if (marked.length > 0 && marked[0].start > BEFORE_CHARS) {
    const first = marked[0].start;
    from = words.find((w) => w.start >= first - BEFORE_CHARS)?.start ?? first;
  }
  let to = Math.min(text.length, from + SNIPPET_CHARS);
  if (to < text.length) {
    const cut = words.filter((w) => w.end <= to && w.start >= from).at(-1);
    if (cut) to = cut.end;
  }
  const safe = (s: string) => s.replace(/«/g, '‹').replace(/»/g, '›');
  let out = from > 0 ? '…' : '';
  let at = from;
  for (const w of marked) {
    if (w.start < from || w.end > to) continue;
    out += safe(text.slice(at, w.start)) + '«' + safe(text.slice(w.start, w.end)) + '»';
    at = w.end;
  }
  out += safe(text.slice(at, to));
  return (to < text.length ? out.trimEnd() + '…' : out).trim();
}
