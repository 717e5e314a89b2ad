/**
 * Display names for uploads. The original file name is display text only: it is never used as
 * a path (storage names are generated: `<DATA_DIR>/jobs/<uuid>/source`, see `Storage`).
 *
 * Policy after the OWASP File Upload Cheat Sheet ("generate server filenames", "cap filename
 * length/charset"), applied to text that is shown to people and put in download names.
 */

/** Longest display name kept, in Unicode code points (the `jobs.filename` column holds 512). */
export const MAX_FILENAME_LENGTH = 255;

/** Longest extension kept when a long name is shortened (".mp3", ".flac", ".webm"...). */
const MAX_KEPT_EXTENSION = 10;

/** Marks where a long name was shortened. */
const ELLIPSIS = '…';

/**
 * Characters removed from display text (Unicode general categories, via property escapes):
 * - `Cc` controls (C0, DEL, C1: NUL, CR/LF, ESC...);
 * - `Cf` format characters: bidi embeddings, overrides, isolates and marks (U+202A–U+202E,
 *   U+2066–U+2069, U+200E/U+200F, U+061C) that can make "invoice‮gpj.exe" read as
 *   "invoiceexe.jpg", zero-width characters (U+200B–U+200D, U+2060, U+FEFF), soft hyphen,
 *   interlinear annotation and other invisible controls;
 * - `Zl`, `Zp` line and paragraph separators (U+2028, U+2029), which break lines like LF;
 * - `Co` private-use characters (render as nothing or as the viewer's custom glyphs);
 * - `Cn` code points unassigned in this Node's Unicode version, and lone surrogates (`Cs`), so
 *   what is stored is valid UTF-8.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}]/gu;

/** Any run of white space, including no-break and ideographic spaces. */
const SPACES = /\s+/gu;

/**
 * NFC-normalises `text` and removes control, format (bidi override, zero-width), separator,
 * private-use and unassigned characters and lone surrogates. Used for file names and speaker labels.
 */
export function stripUnsafeChars(text: string): string {
  // Removed before composing, so a hidden character cannot keep a letter and its mark apart.
  return text.replace(UNSAFE, '').normalize('NFC');
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The longest prefix of `text` of at most `max` code points that does not split a grapheme. */
function takeCodePoints(text: string, max: number): string {
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const n = [...segment].length;
    if (used + n > max) break;
    out += segment;
    used += n;
  }
  return out;
}

/**
 * Normalises an uploaded file name for display.
 *
 * Unicode NFC (so Kazakh letters typed as base letter + combining mark compare equal); white
 * space runs (tabs, line breaks, no-break spaces) become one space and the ends are trimmed; no
 * characters {@link stripUnsafeChars} removes; no directory part (`/` or `\`); at most
 * {@link MAX_FILENAME_LENGTH} code points, a longer name keeping its beginning and its extension
 * around "…" and never splitting a letter from its combining marks; "recording" if nothing is
 * left (also for "." and "..").
 *
 * @param raw the client's file name (multipart `filename`), any string or nothing.
 * @returns display text, 1..{@link MAX_FILENAME_LENGTH} code points. Never throws.
 */
export function sanitizeFilename(raw: string | undefined | null): string {
  const base = (
    stripUnsafeChars((raw ?? '').replace(SPACES, ' '))
      .split(/[\\/]/)
      .pop() ?? ''
  )
    .replace(SPACES, ' ')
    .trim();
  const name = base === '' || base === '.' || base === '..' ? 'recording' : base;
  if ([...name].length <= MAX_FILENAME_LENGTH) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot) : '';
  const keptExt = [...ext].length <= MAX_KEPT_EXTENSION && !/\s/.test(ext) ? ext : '';
  const stem = keptExt ? name.slice(0, dot) : name;
  const room = MAX_FILENAME_LENGTH - [...ELLIPSIS].length - [...keptExt].length;
  return `${takeCodePoints(stem, room).trimEnd()}${ELLIPSIS}${keptExt}`;
}
