/**
 * File names and content types of exports.
 */
import { EXPORT_FORMAT_REGISTRY } from './formats.js';
import { EXPORT_SCRIPTS } from './options.js';
import type { ExportScript } from './script/transliterate.js';
import type { ExportFormat } from './types.js';

/** Used when nothing usable is left of the upload name. */
const FALLBACK_BASE = 'transcript';
/** Longest base name kept, in code points (file systems allow 255 bytes; Cyrillic is 2 each). */
const MAX_BASE_CHARS = 100;
/** Names Windows refuses whatever the extension. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

/**
 * The download filename of an export: the upload's name with its extension replaced, e.g.
 * `интервью.mp3` → `интервью.srt`. Letters of any script (Kazakh, Cyrillic…) are kept and the
 * result is NFC-normalised. Directory parts are dropped (`../a/b.wav` → `b.srt`); control and
 * invisible format characters (e.g. right-to-left override) and the characters Windows forbids
 * (`<>:"/\|?*`) are removed; leading/trailing dots and spaces are trimmed; the base name is cut
 * to 100 characters; an empty result becomes `transcript.<ext>`. A Latin script is carried in
 * the name (`интервью-latn.docx`, `интервью-bgnpcgn.srt`; see `EXPORT_SCRIPTS`).
 * The result still needs RFC 5987/6266 encoding when put into a `Content-Disposition` header.
 */
export function exportFilename(
  uploadFilename: string,
  format: ExportFormat,
  script: ExportScript = 'ORIGINAL',
): string {
  const { extension } = EXPORT_FORMAT_REGISTRY[format];
  const suffix = EXPORT_SCRIPTS[script].fileSuffix;
  const name = (uploadFilename ?? '').normalize('NFC');
  const leaf = name.split(/[/\\]/).pop() ?? '';
  const dot = leaf.lastIndexOf('.');
  let base = dot > 0 ? leaf.slice(0, dot) : leaf;
  base = base
    .replace(/[\p{Cc}\p{Cf}<>:"/\\|?*]/gu, '')
    .replace(/\s+/gu, ' ')
    .replace(/^[\s.]+|[\s.]+$/gu, '');
  base = Array.from(base)
    .slice(0, MAX_BASE_CHARS)
    .join('')
    .replace(/[\s.]+$/u, '');
  if (!base) {
    base = FALLBACK_BASE;
  } else if (WINDOWS_RESERVED.test(base)) {
    base = `${base}_`;
  }
  return suffix ? `${base}-${suffix}.${extension}` : `${base}.${extension}`;
}
