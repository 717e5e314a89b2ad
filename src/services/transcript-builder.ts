/**
 * Turns recognised utterances into the transcript model: speakers with labels and speaking time,
 * segments in time order, words. Pure; no database.
 */
import type { Utterance } from '../stt/types.js';

/** A speaker as built from utterances. Times in seconds. */
export interface BuiltSpeaker {
  tag: string;
  label: string;
  speakingSeconds: number;
  segmentCount: number;
}

/** A segment as built from one utterance. Times in seconds. */
export interface BuiltSegment {
  index: number;
  speakerTag: string;
  start: number;
  end: number;
  text: string;
  language: string | null;
  /** 0–1 when the engine reported it, else null. */
  confidence: number | null;
  words: { text: string; start: number; end: number }[];
}

/** The whole transcript ready to persist. */
export interface BuiltTranscript {
  text: string;
  /** BCP-47 tags heard, most speaking time first. */
  languages: string[];
  speakers: BuiltSpeaker[];
  segments: BuiltSegment[];
}

const ms = (v: number) => Math.round(v) / 1000;

/**
 * Builds the transcript from utterances.
 * - Empty utterances (no text) are dropped.
 * - Segments are sorted by start time (then channel) and numbered from 0.
 * - Speakers are labelled "Speaker 1", "Speaker 2", … in order of first appearance.
 * - `fallbackLanguage` is used for segments without a reported language when exactly one
 *   language was requested (the engine had no choice); otherwise language stays null.
 */
export function buildTranscript(
  utterances: Utterance[],
  fallbackLanguage: string | null = null,
): BuiltTranscript {
  const sorted = utterances
    .filter((u) => u.text.trim() !== '')
    .sort((a, b) => a.startMs - b.startMs || a.channelTag.localeCompare(b.channelTag));

  const segments: BuiltSegment[] = sorted.map((u, index) => ({
    index,
    speakerTag: u.channelTag,
    start: ms(u.startMs),
    end: ms(Math.max(u.endMs, u.startMs)),
    text: u.text.trim(),
    language: u.language ?? fallbackLanguage,
    confidence: u.confidence ?? null,
    words: u.words.map((w) => ({ text: w.text, start: ms(w.startMs), end: ms(w.endMs) })),
  }));

  const speakers = new Map<string, BuiltSpeaker>();
  for (const s of segments) {
    let sp = speakers.get(s.speakerTag);
    if (!sp) {
      sp = {
        tag: s.speakerTag,
        label: `Speaker ${speakers.size + 1}`,
        speakingSeconds: 0,
        segmentCount: 0,
      };
      speakers.set(s.speakerTag, sp);
    }
    sp.speakingSeconds = Math.round((sp.speakingSeconds + (s.end - s.start)) * 1000) / 1000;
    sp.segmentCount += 1;
  }

  const languageTime = new Map<string, number>();
  for (const s of segments) {
    if (s.language) {
      languageTime.set(s.language, (languageTime.get(s.language) ?? 0) + s.end - s.start);
    }
  }
  const languages = [...languageTime.entries()].sort((a, b) => b[1] - a[1]).map(([l]) => l);

  return {
    text: segments.map((s) => s.text).join('\n'),
    languages,
    speakers: [...speakers.values()],
    segments,
  };
}
