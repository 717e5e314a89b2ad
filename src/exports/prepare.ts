/**
 * The document-to-document step every format renders from: default speaker labels in the
 * locale's words, Kazakh segments in the chosen script, and the document's headers resolved.
 * Pure: the same document and options always give the same prepared document.
 */
import { EXPORT_STRINGS, formatExportDate, languageName } from './locale.js';
import type { ExportOptions } from './options.js';
import { isKazakh, transliterate } from './script/transliterate.js';
import { normalizeText } from './text-utils.js';
import type { ExportDocument, ExportSegment, ExportSpeaker } from './types.js';

/** Headers and notes of a prepared document, already in the locale and, for `kk`, the script. */
export interface ResolvedStrings {
  /** BCP-47 tag of the header language (`kk-KZ`, `ru-RU`, `en-GB`). */
  tag: string;
  transcript: string;
  duration: string;
  date: string;
  languages: string;
  engine: string;
  speakers: string;
  speakingTime: string;
  /** `createdAt` in words (`2 қаңтар 2026 ж., 03:04 UTC`). */
  createdText: string;
  /** The document's languages in words (`қазақ тілі, орыс тілі`). */
  languageList: string;
  /** Footer note; empty when the retention is unknown. */
  retention: string;
  /** `Page {n} of {total}` split around the two numbers. */
  page: readonly [string, string, string];
}

/** A document ready for a renderer: labels and text as they will be written. */
export interface PreparedDocument extends ExportDocument {
  options: ExportOptions;
  strings: ResolvedStrings;
}

const DEFAULT_LABEL = /^Speaker \d+$/;

/** Whether a speaker's recognised speech is mostly Kazakh (by speaking time, then by count). */
function mostlyKazakh(doc: ExportDocument, tag: string): boolean {
  let kk = 0;
  let all = 0;
  for (const s of doc.segments) {
    if (s.speakerTag !== tag) continue;
    const span = Math.max(0, s.end - s.start) || 1e-3;
    all += span;
    if (isKazakh(s.language)) kk += span;
  }
  return all > 0 && kk * 2 >= all;
}

/**
 * The label a speaker is written with: the locale's default (`Сөйлеуші 2`) while not renamed,
 * else the label as given; in a Latin script when it is Kazakh words (the `kk` default, or a
 * renamed speaker who speaks mostly Kazakh).
 */
function speakerLabel(doc: ExportDocument, sp: ExportSpeaker, pos: number, o: ExportOptions) {
  const given = normalizeText(sp.label ?? '');
  const isDefault =
    sp.renamed === false || (sp.renamed === undefined && (!given || DEFAULT_LABEL.test(given)));
  if (isDefault) return defaultLabel((sp.ordinal ?? pos) + 1, o);
  return mostlyKazakh(doc, sp.tag) ? transliterate(given, o.script) : given;
}

/** The locale's label of the n-th speaker (1-based), in the script for `kk`. */
function defaultLabel(n: number, o: ExportOptions): string {
  const label = EXPORT_STRINGS[o.locale].speaker(n);
  return o.locale === 'kk' ? transliterate(label, o.script) : label;
}

/** A segment's label when its speaker is not in the document's list or it has its own. */
function orphanLabel(seg: ExportSegment, o: ExportOptions): string {
  const given = normalizeText(seg.speakerLabel ?? '');
  if (given && !DEFAULT_LABEL.test(given)) return given;
  const tag = normalizeText(seg.speakerTag ?? '');
  return /^\d+$/.test(tag) ? defaultLabel(Number(tag) + 1, o) : given || tag;
}

function resolveStrings(doc: ExportDocument, o: ExportOptions): ResolvedStrings {
  const s = EXPORT_STRINGS[o.locale];
  const tr = (text: string) => (o.locale === 'kk' ? transliterate(text, o.script) : text);
  const hours = doc.retentionHours;
  return {
    tag: s.tag,
    transcript: tr(s.transcript),
    duration: tr(s.duration),
    date: tr(s.date),
    languages: tr(s.languages),
    engine: tr(s.engine),
    speakers: tr(s.speakers),
    speakingTime: tr(s.speakingTime),
    createdText: tr(formatExportDate(doc.createdAt, o.locale)),
    languageList: doc.languages.map((l) => tr(languageName(l, s))).join(', '),
    retention: hours && hours > 0 ? tr(s.retention(hours)) : '',
    page: [tr(s.page[0]), tr(s.page[1]), tr(s.page[2])],
  };
}

/**
 * Prepares a document for rendering with `options`:
 * - speakers not renamed get the locale's default label (`Speaker 1` / `Сөйлеуші 1` / `Спикер 1`);
 *   a document without `renamed` flags treats labels of the form `Speaker N` as defaults;
 * - segments tagged Kazakh (`kk`, `kk-KZ`) are transliterated into `options.script` (look-alike
 *   letters normalised first); Russian and untagged segments keep their text; word texts follow;
 * - headers are resolved in the locale (and, for `kk`, in the script).
 * The input is not modified.
 */
export function prepareDocument(doc: ExportDocument, options: ExportOptions): PreparedDocument {
  const labels = new Map<string, string>();
  const givenLabels = new Map(doc.speakers.map((sp) => [sp.tag, normalizeText(sp.label ?? '')]));
  const speakers = doc.speakers.map((sp, pos) => {
    const label = speakerLabel(doc, sp, pos, options);
    labels.set(sp.tag, label);
    return { ...sp, label };
  });
  const segments = doc.segments.map((seg): ExportSegment => {
    // A segment's own label wins when it differs from its speaker's (as `speakerLabelOf` does).
    const own = normalizeText(seg.speakerLabel ?? '');
    const given = givenLabels.get(seg.speakerTag);
    const label =
      given !== undefined && (!own || own === given)
        ? labels.get(seg.speakerTag)!
        : orphanLabel(seg, options);
    if (!isKazakh(seg.language) || options.script === 'ORIGINAL') {
      return { ...seg, speakerLabel: label };
    }
    return {
      ...seg,
      speakerLabel: label,
      text: transliterate(seg.text, options.script),
      words: seg.words.map((w) => ({ ...w, text: transliterate(w.text, options.script) })),
    };
  });
  return { ...doc, speakers, segments, options, strings: resolveStrings(doc, options) };
}
