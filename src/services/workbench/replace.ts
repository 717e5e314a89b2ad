/**
 * replaceInTranscript and its preview (`Transcript.matchCount`): find a string in every segment
 * of a transcript and replace it. Case-insensitive by default with Unicode case folding (Kazakh
 * letters ә ғ қ ң ө ұ ү һ і and their capitals match); `wholeWord` needs a non-letter or
 * non-digit on both sides. Changed segments' words are retimed like an edit.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Principal } from '../../auth/principal.js';
import { BadInputError } from '../../errors.js';
import type { RevisionPayload } from '../../jobs/events.js';
import { stripUnsafeChars } from '../filename.js';
import type { SegmentSnapshot } from './revision-change.js';
import {
  authorOf,
  checkTranscript,
  clock,
  commitRevision,
  noChange,
  quote,
  type WorkbenchDeps,
} from './revision.js';
import { loadSnapshots } from './store.js';
import { retimeWords } from './word-timing.js';

/** How the find string matches. */
export interface FindOptions {
  /** Default false: "алматы" finds "Алматы". */
  matchCase?: boolean | null;
  /** Default false: "ан" finds "Қазақстан". */
  wholeWord?: boolean | null;
}

/** Longest find or replace string, in characters. */
const MAX_FIND_CHARS = 1000;

/**
 * The expression that finds `find` (global, Unicode).
 * @throws BadInputError FIND_EMPTY when `find` is empty or only spaces; FIND_TOO_LONG.
 */
export function findPattern(find: string, options: FindOptions = {}): RegExp {
  if (find.trim() === '') {
    throw new BadInputError(
      'The text to find is empty or only spaces: type the word or phrase to find.',
      'FIND_EMPTY',
    );
  }
  if ([...find].length > MAX_FIND_CHARS) {
    throw new BadInputError(
      `The text to find can be at most ${MAX_FIND_CHARS} characters.`,
      'FIND_TOO_LONG',
    );
  }
  const escaped = find.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const body = options.wholeWord ? `(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])` : escaped;
  return new RegExp(body, options.matchCase ? 'gu' : 'giu');
}

/** How many times `pattern` occurs in all `texts` (non-overlapping). */
export function countMatches(texts: Iterable<string>, pattern: RegExp): number {
  let n = 0;
  for (const text of texts) n += text.match(pattern)?.length ?? 0;
  return n;
}

/** `text` with every match replaced and the spaces a removal leaves tidied. */
export function replaceAll(text: string, pattern: RegExp, replacement: string): string {
  return text
    .replace(pattern, () => replacement)
    .replace(/ {2,}/g, ' ')
    .trim();
}

/**
 * Replaces every match in a transcript in one revision (kind "replace"); no match, no revision.
 * @param expectedVersion the TRANSCRIPT's `version` the replace is based on (omitted: no check).
 * @returns the number of replacements (0 when nothing matched) and the revision (or null).
 * @throws NotFoundError, BadInputError (FIND_EMPTY, FIND_TOO_LONG, REPLACE_EMPTIES_SEGMENT),
 *   ConflictError TRANSCRIPT_CHANGED.
 */
export async function replaceInTranscript(
  deps: WorkbenchDeps,
  em: EntityManager,
  caller: Principal,
  transcriptId: string,
  find: string,
  replace: string,
  options: FindOptions,
  expectedVersion?: number,
): Promise<{ replacements: number; revision: RevisionPayload | null }> {
  const pattern = findPattern(find, options);
  const replacement = stripUnsafeChars(replace);
  if ([...replacement].length > MAX_FIND_CHARS) {
    throw new BadInputError(
      `The replacement can be at most ${MAX_FIND_CHARS} characters.`,
      'FIND_TOO_LONG',
    );
  }
  await checkTranscript(em, caller.tenantId, transcriptId);
  const author = await authorOf(em, caller);
  let replacements = 0;
  const revision = await commitRevision(
    deps,
    em,
    { tenantId: caller.tenantId, transcriptId, author },
    expectedVersion,
    async (work) => {
      const rows = await work.sql.all(
        `select id, text from segments where transcript_id = ? order by "index"`,
        [transcriptId],
      );
      const changed = new Map<string, string>();
      for (const r of rows) {
        const text = String(r.text);
        const count = text.match(pattern)?.length ?? 0;
        if (count === 0) continue;
        replacements += count;
        const next = replaceAll(text, pattern, replacement);
        if (next !== text) changed.set(String(r.id), next);
      }
      if (changed.size === 0) return noChange();
      const before = await loadSnapshots(work.sql, transcriptId, [...changed.keys()]);
      const after = before.map((s) => replaced(s, changed.get(s.id)!));
      return {
        kind: 'replace',
        summary: `Replaced ${quote(find, 40)} with ${quote(replacement, 40)}: ${replacements} times in ${after.length} segments`,
        change: { segments: { before, after } },
        segmentIds: after.map((s) => s.id),
        removedSegmentIds: [],
      };
    },
  );
  if (!revision) replacements = 0;
  return { replacements, revision };
}

function replaced(segment: SegmentSnapshot, text: string): SegmentSnapshot {
  if (text === '') {
    throw new BadInputError(
      `Replacing would leave the segment at ${clock(segment.start)} (${quote(segment.text, 40)}) empty: delete it with deleteSegment first, or replace with some text.`,
      'REPLACE_EMPTIES_SEGMENT',
    );
  }
  return { ...segment, text, edited: true, words: retimeWords(segment.words, text, segment) };
}
