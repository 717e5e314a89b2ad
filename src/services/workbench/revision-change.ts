/**
 * What a revision stores (`transcript_revisions.change`): the state of every segment and speaker
 * it touched, before and after. Applying `after` over `before` is the change; applying `before`
 * over `after` undoes it, so the state at any revision can be rebuilt from the current one by
 * undoing the later revisions (`./revert.ts`). Times in seconds.
 */

/** A word with its timing in seconds. */
export interface SnapshotWord {
  text: string;
  start: number;
  end: number;
}

/** A segment as stored, without its position (`index` is recomputed from time order). */
export interface SegmentSnapshot {
  id: string;
  speakerId: string;
  start: number;
  end: number;
  text: string;
  language: string | null;
  confidence: number | null;
  edited: boolean;
  words: SnapshotWord[];
}

/** A speaker's label (totals are recomputed from the segments). */
export interface SpeakerSnapshot {
  id: string;
  label: string;
}

/** The payload of one revision; revision 1 (as recognised) stores an empty one. */
export interface RevisionChange {
  segments?: { before: SegmentSnapshot[]; after: SegmentSnapshot[] };
  speakers?: { before: SpeakerSnapshot[]; after: SpeakerSnapshot[] };
}

/** True when two snapshots of a segment store the same state (text, speaker, times, words). */
export function sameSegment(a: SegmentSnapshot, b: SegmentSnapshot): boolean {
  return (
    a.id === b.id &&
    a.speakerId === b.speakerId &&
    a.start === b.start &&
    a.end === b.end &&
    a.text === b.text &&
    a.language === b.language &&
    a.confidence === b.confidence &&
    a.edited === b.edited &&
    a.words.length === b.words.length &&
    a.words.every(
      (w, i) =>
        w.text === b.words[i].text && w.start === b.words[i].start && w.end === b.words[i].end,
    )
  );
}

/** True when the change touches nothing. */
export function isEmptyChange(change: RevisionChange): boolean {
  const seg = change.segments;
  const spk = change.speakers;
  return (
    (!seg || (seg.before.length === 0 && seg.after.length === 0)) &&
    (!spk || (spk.before.length === 0 && spk.after.length === 0))
  );
}
