/**
 * Text helpers shared by the exporters.
 */
import type { ExportDocument, ExportSegment } from './types.js';

/**
 * Collapses every run of whitespace (including line breaks) into one space and trims, and drops
 * control characters. Subtitle cue text and TXT lines must not contain blank lines or stray
 * control bytes, which would break the cue structure.
 */
export function normalizeText(text: string): string {
  return text
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, (ch) => (/\s/.test(ch) ? ' ' : ''))
    .replace(/\s+/gu, ' ')
    .trim();
}

/** Number of user-perceived characters, counted as code points. */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) {
    n++;
  }
  return n;
}

/**
 * The display label of a segment's speaker: the segment's own `speakerLabel`, else the label of
 * the document speaker with the same tag, else `Speaker <tag+1>` for numeric tags, else the tag.
 * Whitespace is normalised, so a label never spans lines.
 */
export function speakerLabelOf(doc: ExportDocument, segment: ExportSegment): string {
  const own = normalizeText(segment.speakerLabel ?? '');
  if (own) {
    return own;
  }
  const speaker = doc.speakers.find((s) => s.tag === segment.speakerTag);
  const fromList = normalizeText(speaker?.label ?? '');
  if (fromList) {
    return fromList;
  }
  const tag = normalizeText(segment.speakerTag ?? '');
  return /^\d+$/.test(tag) ? `Speaker ${Number(tag) + 1}` : tag;
}

/** Segments in time order (start, then index); the input array is not modified. */
export function orderedSegments(doc: ExportDocument): ExportSegment[] {
  return [...doc.segments].sort((a, b) => {
    const byStart =
      (Number.isFinite(a.start) ? a.start : 0) - (Number.isFinite(b.start) ? b.start : 0);
    return byStart !== 0 ? byStart : a.index - b.index;
  });
}

/** Consecutive segments of one speaker in one language: a paragraph of TXT and DOCX. */
export interface Turn {
  /** Seconds of the first segment's start. */
  start: number;
  speakerTag: string;
  label: string;
  language: string | null;
  /** Normalised, non-empty texts of its segments, in order. */
  texts: string[];
}

/**
 * Groups the segments of a document into turns, in time order, skipping empty texts. With
 * `merge`, consecutive segments of the same speaker in the same language form one turn (a change
 * of language starts a new one, so every paragraph has one language); without, every segment is
 * its own turn.
 */
export function buildTurns(doc: ExportDocument, merge: boolean): Turn[] {
  const turns: Turn[] = [];
  for (const segment of orderedSegments(doc)) {
    const text = normalizeText(segment.text);
    if (!text) continue;
    const language = segment.language ?? null;
    const last = turns.at(-1);
    if (merge && last && last.speakerTag === segment.speakerTag && last.language === language) {
      last.texts.push(text);
    } else {
      turns.push({
        start: segment.start,
        speakerTag: segment.speakerTag,
        label: speakerLabelOf(doc, segment),
        language,
        texts: [text],
      });
    }
  }
  return turns;
}
