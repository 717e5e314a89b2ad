/**
 * How the SpeechKit test double "recognises" audio: real decoding + energy VAD for timing,
 * fixture manifests for text and language (a fixture played in a loop: `loops.ts`). The
 * getRecognition wire format is in `wire.ts` (re-exported here).
 */
import { ANALYSIS_SAMPLE_RATE } from './audio.js';
import { fitLoopedManifest, type LoopedUtterance } from './loops.js';
import type { FixtureManifest, ManifestUtterance } from './manifest.js';
import { detectSpeech, type SpeechRegion, type VadOptions } from './vad.js';

/** A word with timing in milliseconds. */
export interface DoubleWord {
  text: string;
  startMs: number;
  endMs: number;
}

/** One utterance the double will report; times in milliseconds. */
export interface DoubleUtterance {
  channelTag: string;
  /** Index within its channelTag, from 0. */
  finalIndex: number;
  startMs: number;
  endMs: number;
  /** Raw recognizer text (`final`): lower case, no punctuation. */
  rawText: string;
  /** Normalized text (`finalRefinement`): the manifest text as written. */
  normalizedText: string;
  language: string;
  /** Word timings (same words for final and refinement, as in the docs example). */
  words: DoubleWord[];
}

/** The outcome of recognising one submission. */
export interface Recognition {
  channels: number;
  /** Decoded duration in milliseconds. */
  durationMs: number;
  /** Regions found by the VAD, per channel. */
  regions: SpeechRegion[][];
  /** `file` of the manifest used, or undefined when placeholders were used. */
  manifest?: string;
  /**
   * How the manifest was matched: `regions` (one VAD region per manifest utterance), `overlap`
   * (several VAD regions grouped per manifest utterance by time overlap) or `loop` (the fixture
   * played over and over, see `loops.ts`). Undefined for placeholders.
   */
  matchedBy?: 'regions' | 'overlap' | 'loop';
  utterances: DoubleUtterance[];
}

/** Tolerance, in seconds, between a manifest's `durationSeconds` and the decoded duration. */
export const DURATION_TOLERANCE_SECONDS = 1;

/** Lower-cases and strips punctuation, like SpeechKit's raw `final` text. */
export function rawForm(text: string): string {
  return text
    .toLocaleLowerCase('ru-RU')
    .replace(/[^\p{L}\p{N}\s'-]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Spreads words over `[startMs, endMs]` proportionally to their length. */
export function spreadWords(text: string, startMs: number, endMs: number): DoubleWord[] {
  const words = text.split(/\s+/).filter(Boolean);
  const total = words.reduce((n, w) => n + w.length, 0);
  const span = endMs - startMs;
  let acc = 0;
  return words.map((w) => {
    const s = startMs + Math.round((acc / total) * span);
    acc += w.length;
    const e = startMs + Math.round((acc / total) * span);
    return { text: w, startMs: s, endMs: e };
  });
}

function overlap(a: SpeechRegion, u: ManifestUtterance): number {
  return Math.max(0, Math.min(a.endMs, u.endMs) - Math.max(a.startMs, u.startMs));
}

/** Manifest utterance → VAD timing, or undefined when the manifest does not fit the regions. */
function fitManifest(
  manifest: FixtureManifest,
  regions: SpeechRegion[][],
): { matchedBy: 'regions' | 'overlap'; timing: Map<ManifestUtterance, SpeechRegion> } | undefined {
  const timing = new Map<ManifestUtterance, SpeechRegion>();
  let exact = true;
  for (let c = 0; c < regions.length; c++) {
    const us = manifest.utterances
      .filter((u) => u.channel === c)
      .sort((a, b) => a.startMs - b.startMs);
    const rs = regions[c];
    if (us.length === rs.length) {
      us.forEach((u, i) => timing.set(u, rs[i]));
      continue;
    }
    exact = false;
    // Group regions by the manifest utterance they overlap most; every region and every
    // utterance must find a partner.
    const groups = new Map<ManifestUtterance, SpeechRegion>();
    for (const r of rs) {
      let best: ManifestUtterance | undefined;
      let bestOverlap = 0;
      for (const u of us) {
        const o = overlap(r, u);
        if (o > bestOverlap) {
          bestOverlap = o;
          best = u;
        }
      }
      if (!best) return undefined;
      const g = groups.get(best);
      if (g) {
        g.startMs = Math.min(g.startMs, r.startMs);
        g.endMs = Math.max(g.endMs, r.endMs);
      } else groups.set(best, { ...r });
    }
    if (groups.size !== us.length) return undefined;
    for (const [u, r] of groups) timing.set(u, r);
  }
  return { matchedBy: exact ? 'regions' : 'overlap', timing };
}

/**
 * Recognises decoded audio.
 *
 * Timing comes from {@link detectSpeech} on each channel. A manifest matches when it has the
 * same channel count, its `durationSeconds` is within ±{@link DURATION_TOLERANCE_SECONDS} of the
 * decoded duration, and its utterances fit the regions: per channel either one region per
 * utterance (`regions`, preferred) or every region overlapping some utterance and every
 * utterance getting a region (`overlap`; its regions are merged). Among fits, the closest
 * duration wins. Failing that, audio that is a fixture played in a loop gets the fixture's
 * utterances once per loop (`loop`, see {@link fitLoopedManifest}). Then:
 * - stereo (or more channels): channel c's utterances get `channelTag` String(c);
 * - mono with speaker labeling: `channelTag` String(utterance.speaker);
 * - mono without: "0".
 * Without a matching manifest every region becomes an utterance with text `утверждение N`
 * (N counts from 1 per channel) in ru-RU.
 */
export function recognize(input: {
  pcm: Int16Array[];
  speakerLabeling: boolean;
  manifests: FixtureManifest[];
  vad?: Partial<VadOptions>;
}): Recognition {
  const channels = input.pcm.length;
  const durationMs = Math.round(((input.pcm[0]?.length ?? 0) * 1000) / ANALYSIS_SAMPLE_RATE);
  const regions = input.pcm.map((ch) => detectSpeech(ch, input.vad));

  const fits = input.manifests
    .filter(
      (m) =>
        m.channels === channels &&
        Math.abs(m.durationSeconds * 1000 - durationMs) <= DURATION_TOLERANCE_SECONDS * 1000,
    )
    .map((m) => ({ m, fit: fitManifest(m, regions) }))
    .filter((x): x is { m: FixtureManifest; fit: NonNullable<typeof x.fit> } => !!x.fit)
    .sort(
      (a, b) =>
        (a.fit.matchedBy === 'regions' ? 0 : 1) - (b.fit.matchedBy === 'regions' ? 0 : 1) ||
        Math.abs(a.m.durationSeconds * 1000 - durationMs) -
          Math.abs(b.m.durationSeconds * 1000 - durationMs),
    );

  const best = fits[0];
  let matched: Match;
  if (best) {
    const pairs = best.m.utterances.map((u) => ({ utterance: u, region: best.fit.timing.get(u)! }));
    matched = { file: best.m.file, pairs, by: best.fit.matchedBy };
  } else {
    matched = looped(input.manifests, regions, durationMs);
  }
  const draft = draftUtterances(matched, regions, input.speakerLabeling);
  draft.sort((a, b) => a.startMs - b.startMs || a.channelTag.localeCompare(b.channelTag));
  const next = new Map<string, number>();
  const utterances = draft.map((d) => {
    const finalIndex = next.get(d.channelTag) ?? 0;
    next.set(d.channelTag, finalIndex + 1);
    return { ...d, finalIndex };
  });
  return {
    channels,
    durationMs,
    regions,
    manifest: matched.file,
    matchedBy: matched.by,
    utterances,
  };
}

/** The utterances of a match (or placeholders for every region), not yet indexed. */
function draftUtterances(
  matched: Match,
  regions: SpeechRegion[][],
  speakerLabeling: boolean,
): Omit<DoubleUtterance, 'finalIndex'>[] {
  const channels = regions.length;
  const draft: Omit<DoubleUtterance, 'finalIndex'>[] = [];
  if (matched.by) {
    for (const { utterance: u, region: r } of matched.pairs) {
      const channelTag =
        channels > 1 ? String(u.channel) : speakerLabeling ? String(u.speaker) : '0';
      const rawText = rawForm(u.text);
      draft.push({
        channelTag,
        startMs: r.startMs,
        endMs: r.endMs,
        rawText,
        normalizedText: u.text,
        language: u.language,
        words: spreadWords(rawText, r.startMs, r.endMs),
      });
    }
  } else {
    regions.forEach((rs, c) =>
      rs.forEach((r, i) => {
        const text = `утверждение ${i + 1}`;
        draft.push({
          channelTag: String(c),
          startMs: r.startMs,
          endMs: r.endMs,
          rawText: text,
          normalizedText: text,
          language: 'ru-RU',
          words: spreadWords(text, r.startMs, r.endMs),
        });
      }),
    );
  }
  return draft;
}

/** A manifest's utterances with their timing, or none (`by` undefined: placeholders). */
interface Match {
  file?: string;
  pairs: LoopedUtterance[];
  by: Recognition['matchedBy'];
}

/** The first manifest that fits as a loop (see `loops.ts`); `by` undefined when none does. */
function looped(
  manifests: FixtureManifest[],
  regions: SpeechRegion[][],
  durationMs: number,
): Match {
  for (const m of manifests) {
    const pairs = fitLoopedManifest(m, regions, durationMs);
    if (pairs) return { file: m.file, pairs, by: 'loop' };
  }
  return { pairs: [], by: undefined };
}

export { renderResultStream, sessionUuid } from './wire.js';
