/**
 * Checks shared by the segment mutations: the input a person typed (text, times) and the
 * segment's state inside the revision's transaction (still there, version as expected, speaker
 * of this transcript, no overlap with the same speaker's neighbours).
 */
import { BadInputError, ConflictError, NotFoundError } from '../../errors.js';
import { stripUnsafeChars } from '../filename.js';
import { clock, quote, type RevisionWork } from './revision.js';
import type { SegmentSnapshot } from './revision-change.js';
import { loadSnapshots, overlappingSegment } from './store.js';
import { roundMs } from './word-timing.js';

/** Longest segment text accepted, in characters. */
export const MAX_SEGMENT_CHARS = 10_000;

/**
 * A segment text as typed, cleaned: control and invisible characters removed, trimmed.
 * @throws BadInputError EMPTY_TEXT (say: delete with deleteSegment or join with mergeSegments),
 *   TEXT_TOO_LONG.
 */
export function cleanSegmentText(text: string): string {
  const clean = stripUnsafeChars(text).trim();
  if (clean === '') {
    throw new BadInputError(
      "A segment's text cannot be empty. To remove the segment use deleteSegment; to join it to a neighbour use mergeSegments.",
      'EMPTY_TEXT',
    );
  }
  if ([...clean].length > MAX_SEGMENT_CHARS) {
    throw new BadInputError(
      `A segment's text can be at most ${MAX_SEGMENT_CHARS} characters; split it with splitSegment first.`,
      'TEXT_TOO_LONG',
    );
  }
  return clean;
}

/**
 * A time in seconds as given, rounded to milliseconds.
 * @throws BadInputError INVALID_TIME when it is not a finite number ≥ 0.
 */
export function checkTime(name: string, seconds: number): number {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new BadInputError(
      `${name} must be a time in seconds from the start of the recording (≥ 0); got ${seconds}.`,
      'INVALID_TIME',
    );
  }
  return roundMs(seconds);
}

/** @throws BadInputError END_BEFORE_START when end < start. */
export function checkSpan(start: number, end: number): void {
  if (end < start) {
    throw new BadInputError(
      `The segment would end (${clock(end)}) before it starts (${clock(start)}): end must be at or after start.`,
      'END_BEFORE_START',
    );
  }
}

/**
 * The segment as it is now, inside the transaction.
 * @param expectedVersion the segment version the caller based its change on.
 * @throws NotFoundError when it is gone; ConflictError SEGMENT_CHANGED (with its current
 *   version and text) when it changed since `expectedVersion`.
 */
export async function currentSegment(
  work: RevisionWork,
  transcriptId: string,
  id: string,
  expectedVersion: number | undefined,
): Promise<SegmentSnapshot> {
  const [row] = await work.sql.all(`select version from segments where id = ?`, [id]);
  const [segment] = await loadSnapshots(work.sql, transcriptId, [id]);
  if (!row || !segment) throw new NotFoundError('Segment', id);
  const version = Number(row.version);
  if (expectedVersion !== undefined && expectedVersion !== version) {
    throw new ConflictError(
      `This segment changed since you loaded it: it is now ${quote(segment.text)} (${clock(segment.start)}–${clock(segment.end)}, version ${version}). Reload it and apply your change again.`,
      version,
      'SEGMENT_CHANGED',
    );
  }
  return segment;
}

/** @throws BadInputError SPEAKER_NOT_IN_TRANSCRIPT unless the speaker belongs to the transcript. */
export async function checkSpeaker(
  work: RevisionWork,
  transcriptId: string,
  speakerId: string,
): Promise<void> {
  const [row] = await work.sql.all(`select id from speakers where id = ? and transcript_id = ?`, [
    speakerId,
    transcriptId,
  ]);
  if (!row) {
    throw new BadInputError(
      `Speaker "${speakerId}" is not a speaker of this transcript: pick one of Transcript.speakers.`,
      'SPEAKER_NOT_IN_TRANSCRIPT',
    );
  }
}

/**
 * @throws BadInputError OVERLAPS_NEIGHBOUR when `segment` would overlap another segment of the
 *   same speaker (other speakers may talk at the same time). `exclude`: segments being replaced.
 */
export async function checkNoOverlap(
  work: RevisionWork,
  transcriptId: string,
  segment: Pick<SegmentSnapshot, 'speakerId' | 'start' | 'end'>,
  exclude: readonly string[],
): Promise<void> {
  const hit = await overlappingSegment(work.sql, transcriptId, segment.speakerId, segment, exclude);
  if (hit) {
    throw new BadInputError(
      `The segment (${clock(segment.start)}–${clock(segment.end)}) would overlap the same speaker's segment ${quote(hit.text, 40)} at ${clock(hit.start)}–${clock(hit.end)}. Move its start or end, or merge the two with mergeSegments.`,
      'OVERLAPS_NEIGHBOUR',
    );
  }
}
