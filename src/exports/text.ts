/**
 * Plain-text (.txt) transcript renderer.
 */
import { formatClock } from './timecode.js';
import { buildTurns, normalizeText } from './text-utils.js';
import type { PreparedDocument } from './prepare.js';

/**
 * Renders a readable UTF-8 transcript with `\n` line ends, headers in the document's locale
 * (here `en`; `kk` writes `Транскрипт:`, `Ұзақтығы:` …):
 *
 * ```text
 * Transcript: интервью.mp3
 * Duration: 00:12:34
 * Date: 2 January 2026, 03:04 UTC
 * Languages: Kazakh, Russian
 * Speakers: Айгүл Серікова, Speaker 2
 *
 * [00:00:00] Айгүл Серікова: Сәлеметсіз бе! Қалыңыз қалай?
 *
 * [00:00:04] Speaker 2: Спасибо, хорошо.
 * ```
 *
 * With `mergeTurns` (default) consecutive segments of one speaker in one language are one
 * paragraph stamped with its first segment's start, else each segment is one. `timestamps: false`
 * drops the `[HH:MM:SS]`, `speakers: false` the label, `languageTags` adds `(kk-KZ)` after the
 * label. Duration, Languages and Speakers lines are left out when unknown/empty.
 */
export function renderTxt(doc: PreparedDocument): string {
  const { options: o, strings: s } = doc;
  const lines: string[] = [`${s.transcript}: ${normalizeText(doc.filename)}`];
  if (doc.durationSeconds !== null && Number.isFinite(doc.durationSeconds)) {
    lines.push(`${s.duration}: ${formatClock(doc.durationSeconds)}`);
  }
  lines.push(`${s.date}: ${s.createdText}`);
  if (doc.languages.length > 0) {
    lines.push(`${s.languages}: ${s.languageList}`);
  }
  if (doc.speakers.length > 0 && o.speakers) {
    lines.push(
      `${s.speakers}: ${doc.speakers.map((sp) => normalizeText(sp.label) || sp.tag).join(', ')}`,
    );
  }
  for (const turn of buildTurns(doc, o.mergeTurns)) {
    const parts: string[] = [];
    if (o.timestamps) parts.push(`[${formatClock(turn.start)}]`);
    const lang = o.languageTags && turn.language ? `(${turn.language})` : '';
    const who = [o.speakers ? turn.label : '', lang].filter(Boolean).join(' ');
    parts.push(who ? `${who}: ${turn.texts.join(' ')}` : turn.texts.join(' '));
    lines.push('', parts.join(' '));
  }
  return lines.join('\n') + '\n';
}
