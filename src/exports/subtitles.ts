/**
 * SubRip (.srt) and WebVTT (.vtt) renderers.
 *
 * Both are built with `subsrt-ts`, after checking its output: its SRT and VTT builders write
 * numbered cues, `HH:MM:SS,mmm` / `HH:MM:SS.mmm` with hours always present, and a blank line
 * after each cue, which is what we want. It does not know about speakers or escaping, and it
 * floors fractional milliseconds, so cue times are rounded to whole milliseconds here (see
 * {@link buildCues}) and the speaker label / voice tag and WebVTT escaping are added to the cue
 * text before handing it over.
 */
import subsrt from 'subsrt-ts';
import { buildCues, type Cue, type CueLimits } from './cues.js';
import type { PreparedDocument } from './prepare.js';

type Caption = Parameters<typeof subsrt.build>[0][number];

const EOL = '\n';

function toCaptions(cues: Cue[], textOf: (cue: Cue) => string): Caption[] {
  return cues.map((cue, i) => {
    const text = textOf(cue);
    return {
      type: 'caption',
      index: i + 1,
      start: cue.startMs,
      end: cue.endMs,
      duration: cue.endMs - cue.startMs,
      content: text,
      text,
    };
  });
}

/** Escapes WebVTT cue text: `&`, `<` and `>` become character references. */
export function escapeVttText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Makes a speaker label safe as the annotation of a WebVTT voice tag (`<v Name>`). The spec lets
 * the annotation hold character references, but common parsers (ffmpeg's among them) do not
 * decode them there and show `&amp;` literally or leak the tail of the tag as cue text. So `&`,
 * `<` and `>` are replaced by look-alikes (＆ ‹ ›) instead of escaped; `>` would end the tag.
 */
export function vttVoiceName(label: string): string {
  return label.replace(/&/g, '＆').replace(/</g, '‹').replace(/>/g, '›').trim();
}

/**
 * Breaks cue text into at most two lines of at most `maxLineChars` characters (code points), at
 * the space that balances the two lines best.
 * @returns the lines, or null when the text cannot be written so (then it needs another cue)
 */
export function wrapCueLines(text: string, maxLineChars: number): string[] | null {
  const chars = Array.from(text);
  if (chars.length <= maxLineChars) return [text];
  let best = -1;
  let bestWidth = Infinity;
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] !== ' ') continue;
    const width = Math.max(i, chars.length - i - 1);
    if (width <= maxLineChars && width < bestWidth) {
      best = i;
      bestWidth = width;
    }
  }
  if (best < 0) return null;
  return [chars.slice(0, best).join(''), chars.slice(best + 1).join('')];
}

/** Cue limits of a prepared document: its options, text measured as `lineText` writes it. */
function cueLimits(
  doc: PreparedDocument,
  lineText: (cue: Omit<Cue, 'startMs' | 'endMs'>) => string,
) {
  const { maxLineChars, maxCueSeconds } = doc.options;
  const limits: CueLimits = {
    maxSeconds: maxCueSeconds,
    maxChars: 2 * maxLineChars,
    fits: (text, segment, label) =>
      wrapCueLines(
        lineText({ text, speakerLabel: label, language: segment.language ?? null }),
        maxLineChars,
      ) !== null,
  };
  return limits;
}

/** Writes cue text in lines (each escaped by `escape`); an over-long word stays on one line. */
const lines = (text: string, max: number, escape = (t: string) => t): string =>
  (wrapCueLines(text, max) ?? [text]).map(escape).join(EOL);

/**
 * Renders SubRip: numbered cues, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, text in at most two lines of
 * `maxLineChars` (label included) prefixed with the speaker's label (`Сөйлеуші 1: …` or the
 * renamed label) unless `speakers` is off, `[kk-KZ] ` before the text with `languageTags`, a
 * blank line after each cue, `\n` line ends. SubRip has no escaping; text is written as is.
 */
export function renderSrt(doc: PreparedDocument): string {
  const o = doc.options;
  const lineText = (cue: Omit<Cue, 'startMs' | 'endMs'>) => {
    const label = o.speakers && cue.speakerLabel ? `${cue.speakerLabel}: ` : '';
    const lang = o.languageTags && cue.language ? `[${cue.language}] ` : '';
    return `${label}${lang}${cue.text}`;
  };
  const captions = toCaptions(buildCues(doc, cueLimits(doc, lineText)), (cue) =>
    lines(lineText(cue), o.maxLineChars),
  );
  return subsrt.build(captions, { format: 'srt', eol: EOL });
}

/**
 * Renders WebVTT: `WEBVTT` header, numbered cues, `HH:MM:SS.mmm --> HH:MM:SS.mmm` (hours always
 * present), the speaker as a voice tag (`<v Айгүл Серікова>text`) unless `speakers` is off, the
 * language as `<lang kk-KZ>…</lang>` with `languageTags`, cue text escaped and in at most two
 * lines of `maxLineChars` (tags do not count: players do not show them as text).
 */
export function renderVtt(doc: PreparedDocument): string {
  const o = doc.options;
  const captions = toCaptions(
    buildCues(
      doc,
      cueLimits(doc, (cue) => cue.text),
    ),
    (cue) => {
      const voice = o.speakers ? vttVoiceName(cue.speakerLabel) : '';
      let text = lines(cue.text, o.maxLineChars, escapeVttText);
      if (o.languageTags && cue.language) text = `<lang ${cue.language}>${text}</lang>`;
      return voice ? `<v ${voice}>${text}` : text;
    },
  );
  return subsrt.build(captions, { format: 'vtt', eol: EOL });
}
