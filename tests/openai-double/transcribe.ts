/**
 * What the OpenAI-compatible test double "hears" in one submitted piece of audio, independent of
 * the wire format (that is `wire.ts`): real decoding and the speechkit double's energy VAD for
 * timing, `locate.ts` for which fixture (and where in it) the piece comes from, the fixture
 * manifest for the words, and Whisper-like language behaviour for the text.
 */
import { ANALYSIS_SAMPLE_RATE } from '../speechkit-double/audio.js';
import { spreadWords } from '../speechkit-double/recognizer.js';
import type { ManifestUtterance } from '../speechkit-double/manifest.js';
import { detectSpeech, type SpeechRegion, type VadOptions } from '../speechkit-double/vad.js';
import { fakeEnglish, garble, isoCode } from './languages.js';
import { locatePiece, type FixtureLibrary, type FixtureMatch } from './locate.js';

/** A word of a segment. Times in milliseconds from the start of the piece. */
export interface PieceWord {
  text: string;
  startMs: number;
  endMs: number;
  /** Token probability Whisper would give (0–1). */
  probability: number;
}

/** One segment (one manifest utterance, one VAD region, or a hallucination). Times in ms. */
export interface PieceSegment {
  startMs: number;
  endMs: number;
  /** Text as the decoder writes it, without Whisper's leading space. */
  text: string;
  words: PieceWord[];
  /** Whisper's `avg_logprob`: about −0.25 when decoded in the spoken language, −1.4 when not. */
  avgLogprob: number;
  /** Whisper's `no_speech_prob` (0–1). */
  noSpeechProb: number;
  /** Manifest speaker (fixture speech only). */
  speaker?: 0 | 1;
  /** ISO-639-1 code of what is really spoken (fixture speech only). */
  spokenLanguage?: string;
  /** The manifest utterance it comes from (fixture speech only). */
  utterance?: ManifestUtterance;
}

/** The double's reading of one piece. */
export interface PieceTranscription {
  /** Decoded duration, milliseconds. */
  durationMs: number;
  /** `fixture`: found in a fixture; `unknown`: speech-like audio of no fixture; `silence`: no VAD region. */
  kind: 'fixture' | 'unknown' | 'silence';
  match?: FixtureMatch;
  /** VAD regions of the piece (ms). */
  regions: SpeechRegion[];
  /** ISO-639-1 code the text is decoded in (`en` when a server defaulting to English translated). */
  language: string;
  /** What language detection says (majority of the speech in the first 30 s), after `misdetect`. */
  detectedLanguage: string;
  /** Detection probabilities per code (sum ≤ 1), whisper.cpp `language_probabilities`. */
  languageProbabilities: Record<string, number>;
  segments: PieceSegment[];
}

/** How the language was asked for, and how the server treats an omitted one. */
export interface LanguageRequest {
  /** The `language` field as sent: a code, `auto`, or undefined when omitted. */
  requested?: string;
  /** What an omitted `language` means: `auto` (OpenAI, speaches) or `en` (whisper.cpp, vLLM). */
  whenOmitted: 'auto' | 'en';
  /** Detection reports `to` where the speech is `from` (e.g. Kazakh heard as Tatar). */
  misdetect?: { from: string; to: string };
}

/** Whisper's detection and language-fallback window, milliseconds. */
const DETECTION_WINDOW_MS = 30_000;
/** Text Whisper is known to invent on silence (openwhispr/openwhispr#1458, whisper.cpp#1881). */
export const SILENCE_HALLUCINATION = 'Продолжение следует...';
/** The English counterpart Whisper tends to produce on silence when decoding `en`. */
const SILENCE_HALLUCINATION_EN = 'Thank you.';

/** A stable number in [0, 1) from a string (FNV-1a), for deterministic jitter. */
export function unitHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

function words(text: string, startMs: number, endMs: number, logprob: number): PieceWord[] {
  const p = Math.round(Math.exp(logprob) * 1000) / 1000;
  return spreadWords(text, startMs, endMs).map((w) => ({ ...w, probability: p }));
}

/** A manifest utterance of one play of the fixture, placed in piece time (ms). */
interface Occurrence {
  utterance: ManifestUtterance;
  startMs: number;
  endMs: number;
  regions: SpeechRegion[];
}

function overlap(a: { startMs: number; endMs: number }, b: { startMs: number; endMs: number }) {
  return Math.max(0, Math.min(a.endMs, b.endMs) - Math.max(a.startMs, b.startMs));
}

/** Every utterance of the matched channel, of every play, that overlaps the piece and its VAD. */
function occurrences(match: FixtureMatch, regions: SpeechRegion[], durationMs: number) {
  const us = match.manifest.utterances.filter((u) => u.channel === match.channel);
  const P = match.periodMs;
  const first = Math.floor(match.fixtureOffsetMs / P) - 1;
  const last = Math.ceil((match.fixtureOffsetMs + durationMs) / P) + 1;
  const out: Occurrence[] = [];
  for (let play = first; play <= last; play++) {
    for (const u of us) {
      const startMs = play * P + u.startMs - match.fixtureOffsetMs;
      const endMs = play * P + u.endMs - match.fixtureOffsetMs;
      if (endMs > 0 && startMs < durationMs) {
        out.push({ utterance: u, startMs, endMs, regions: [] });
      }
    }
  }
  out.sort((a, b) => a.startMs - b.startMs);
  // Each VAD region goes to the occurrence it overlaps most (regions overlapping none are noise).
  for (const r of regions) {
    let best: Occurrence | undefined;
    let most = 0;
    for (const o of out) {
      const v = overlap(r, o);
      if (v > most) [best, most] = [o, v];
    }
    best?.regions.push(r);
  }
  return out.filter((o) => o.regions.length > 0);
}

/** Language detection over the speech of the first 30 s: shares by duration, and the winner. */
function detect(
  spoken: { language: string; startMs: number; endMs: number }[],
  fallback: string,
  misdetect: LanguageRequest['misdetect'],
): { detected: string; probabilities: Record<string, number> } {
  const weight = new Map<string, number>();
  for (const s of spoken) {
    const w = overlap(s, { startMs: 0, endMs: DETECTION_WINDOW_MS });
    if (w > 0) weight.set(s.language, (weight.get(s.language) ?? 0) + w);
  }
  const total = [...weight.values()].reduce((a, b) => a + b, 0);
  const raw: Record<string, number> = { tt: 0.03, ba: 0.02, uz: 0.01, en: 0.01 };
  if (total === 0) raw[fallback] = (raw[fallback] ?? 0) + 0.6;
  for (const [lang, w] of weight) raw[lang] = (raw[lang] ?? 0) + (0.9 * w) / total;
  let detected = Object.entries(raw).sort((a, b) => b[1] - a[1])[0][0];
  if (misdetect && detected === misdetect.from) {
    [raw[misdetect.from], raw[misdetect.to]] = [raw[misdetect.to] ?? 0, raw[misdetect.from]];
    detected = misdetect.to;
  }
  const sum = Object.values(raw).reduce((a, b) => a + b, 0);
  const probabilities = Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, Math.round((v / sum) * 10_000) / 10_000]),
  );
  return { detected, probabilities };
}

/** The language decoding uses: explicit, English by default, or the detected one. */
function decodeLanguage(req: LanguageRequest, detected: string): string {
  if (req.requested && req.requested !== 'auto') return req.requested;
  if (req.requested === undefined && req.whenOmitted === 'en') return 'en';
  return detected;
}

/** Text, log probability and no-speech probability of fixture speech decoded as `language`. */
function decoded(u: ManifestUtterance, language: string) {
  const spoken = isoCode(u.language);
  const h = unitHash(u.text);
  if (spoken === language) return { text: u.text, logprob: -0.22 - 0.06 * h, noSpeech: 0.02 };
  if (language === 'en') {
    return { text: fakeEnglish(u.text), logprob: -0.55 - 0.1 * h, noSpeech: 0.03 };
  }
  return { text: garble(u.text, language), logprob: -1.35 - 0.1 * h, noSpeech: 0.09 };
}

/** One segment for an occurrence; words outside the piece (a cut utterance) are left out. */
function fixtureSegment(
  o: Occurrence,
  language: string,
  durationMs: number,
): PieceSegment | undefined {
  const measured = {
    startMs: Math.min(...o.regions.map((r) => r.startMs)),
    endMs: Math.max(...o.regions.map((r) => r.endMs)),
  };
  const cut = o.startMs < 0 || o.endMs > durationMs;
  // A cut utterance keeps its full length (the part outside the piece is predicted) so that its
  // words fall where they were said; an uncut one is timed by the VAD.
  const span = cut
    ? { startMs: Math.min(o.startMs, measured.startMs), endMs: Math.max(o.endMs, measured.endMs) }
    : measured;
  const d = decoded(o.utterance, language);
  const kept = words(d.text, span.startMs, span.endMs, d.logprob)
    .filter((w) => (w.startMs + w.endMs) / 2 >= 0 && (w.startMs + w.endMs) / 2 <= durationMs)
    .map((w) => ({ ...w, startMs: Math.max(0, w.startMs), endMs: Math.min(durationMs, w.endMs) }));
  if (kept.length === 0) return undefined;
  return {
    startMs: kept[0].startMs,
    endMs: kept[kept.length - 1].endMs,
    text: cut ? kept.map((w) => w.text).join(' ') : d.text,
    words: kept,
    avgLogprob: d.logprob,
    noSpeechProb: d.noSpeech,
    speaker: o.utterance.speaker,
    spokenLanguage: isoCode(o.utterance.language),
    utterance: o.utterance,
  };
}

/**
 * Reads one piece of mono 16 kHz PCM.
 *
 * - Found in a fixture (see {@link locatePiece}): one segment per manifest utterance of the
 *   matched channel whose time falls in the piece and where the VAD hears speech, timed by the
 *   VAD regions, times relative to the piece start; an utterance cut by the piece boundary keeps
 *   only its words inside the piece. Text per the decoding language: the manifest text when it is
 *   the spoken language (avg_logprob ≈ −0.25), `[translated to English] …` when decoding `en`
 *   (≈ −0.6), a deterministic mangling otherwise (≈ −1.4).
 * - Speech-like audio of no fixture: one segment per VAD region, `[demo] speech, 3.0 s, not
 *   recognised` (its length: the piece's position in the recording is not on the wire, so no
 *   clock time), avg_logprob −0.9; detection says `en`.
 * - No VAD region: with `hallucinateOnSilence`, one segment "Продолжение следует..." (or
 *   "Thank you." when decoding `en`) over the first ≤ 30 s, no_speech_prob 0.85, avg_logprob
 *   −1.3; otherwise no segment. Detection says `ru`.
 */
export function transcribePiece(input: {
  pcm: Int16Array;
  library: FixtureLibrary;
  language: LanguageRequest;
  hallucinateOnSilence: boolean;
  vad?: Partial<VadOptions>;
}): PieceTranscription {
  const { pcm, library, language: req } = input;
  const durationMs = Math.round((pcm.length * 1000) / ANALYSIS_SAMPLE_RATE);
  const regions = detectSpeech(pcm, input.vad);
  const match = regions.length ? locatePiece(pcm, library, regions[0].startMs) : undefined;
  const found = match ? occurrences(match, regions, durationMs) : [];
  const kind = !regions.length ? 'silence' : match && found.length ? 'fixture' : 'unknown';
  const spoken = found.map((o) => ({
    language: isoCode(o.utterance.language),
    startMs: o.startMs,
    endMs: o.endMs,
  }));
  const { detected, probabilities } = detect(
    spoken,
    kind === 'silence' ? 'ru' : 'en',
    req.misdetect,
  );
  const language = decodeLanguage(req, detected);
  let segments: PieceSegment[] = [];
  if (kind === 'fixture') {
    segments = found
      .map((o) => fixtureSegment(o, language, durationMs))
      .filter((s): s is PieceSegment => !!s);
  } else if (kind === 'unknown') {
    segments = regions.map((r) => {
      const text = `[demo] speech, ${((r.endMs - r.startMs) / 1000).toFixed(1)} s, not recognised`;
      return {
        ...r,
        text,
        words: words(text, r.startMs, r.endMs, -0.9),
        avgLogprob: -0.9,
        noSpeechProb: 0.2,
      };
    });
  } else if (input.hallucinateOnSilence && durationMs > 0) {
    const text = language === 'en' ? SILENCE_HALLUCINATION_EN : SILENCE_HALLUCINATION;
    const endMs = Math.min(durationMs, DETECTION_WINDOW_MS);
    segments = [
      {
        startMs: 0,
        endMs,
        text,
        words: words(text, 0, endMs, -1.3),
        avgLogprob: -1.3,
        noSpeechProb: 0.85,
      },
    ];
  }
  return {
    durationMs,
    kind,
    match: kind === 'fixture' ? match : undefined,
    regions,
    language,
    detectedLanguage: detected,
    languageProbabilities: probabilities,
    segments,
  };
}
