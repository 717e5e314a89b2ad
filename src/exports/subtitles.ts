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
import { buildCues, type Cue, type CueLimits, DEFAULT_CUE_LIMITS } from './cues.js';
import type { ExportDocument } from './types.js';

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
 * Renders SubRip: numbered cues, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, cue text prefixed with the
 * speaker's label (`Speaker 1: …` or the renamed label), a blank line after each cue, `\n` line
 * ends. SubRip has no escaping; text is written as is (on one line).
 */
export function renderSrt(doc: ExportDocument, limits: CueLimits = DEFAULT_CUE_LIMITS): string {
  const captions = toCaptions(buildCues(doc, limits), (cue) =>
    cue.speakerLabel ? `${cue.speakerLabel}: ${cue.text}` : cue.text,
  );
  return subsrt.build(captions, { format: 'srt', eol: EOL });
}

/**
 * Renders WebVTT: `WEBVTT` header, numbered cues, `HH:MM:SS.mmm --> HH:MM:SS.mmm` (hours always
 * present), the speaker as a voice tag (`<v Айгүл Серікова>text`), cue text escaped.
 */
export function renderVtt(doc: ExportDocument, limits: CueLimits = DEFAULT_CUE_LIMITS): string {
  const captions = toCaptions(buildCues(doc, limits), (cue) => {
    const voice = vttVoiceName(cue.speakerLabel);
    const text = escapeVttText(cue.text);
    return voice ? `<v ${voice}>${text}` : text;
  });
  return subsrt.build(captions, { format: 'vtt', eol: EOL });
}
