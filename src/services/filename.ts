/**
 * Display names for uploads. The original file name is display text only: it is never used as
 * a path (storage names are generated).
 */

/** Longest display name kept, in characters. */
export const MAX_FILENAME_LENGTH = 255;

// C0/C1 controls, and bidi overrides/isolates/marks that can disguise a name (e.g. U+202E).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** NFC-normalises `text` and removes control and bidi-override characters. */
export function stripUnsafeChars(text: string): string {
  return text.normalize('NFC').replace(UNSAFE, '');
}

/**
 * Normalises an uploaded file name for display: Unicode NFC (so Kazakh letters typed as base
 * letter + combining mark compare equal), no control or bidi-override characters, no directory
 * part, at most {@link MAX_FILENAME_LENGTH} characters; "recording" if nothing is left.
 */
export function sanitizeFilename(raw: string | undefined | null): string {
  const base =
    stripUnsafeChars(raw ?? '')
      .split(/[\\/]/)
      .pop() ?? '';
  const trimmed = base.trim();
  const chars = [...trimmed];
  const capped =
    chars.length > MAX_FILENAME_LENGTH ? chars.slice(-MAX_FILENAME_LENGTH).join('') : trimmed;
  return capped === '' || capped === '.' || capped === '..' ? 'recording' : capped;
}
