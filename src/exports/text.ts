/**
 * Plain-text (.txt) transcript renderer.
 */
import { formatClock } from './timecode.js';
import { normalizeText, orderedSegments, speakerLabelOf } from './text-utils.js';
import type { ExportDocument } from './types.js';

/**
 * Renders a readable UTF-8 transcript with `\n` line ends:
 *
 * ```text
 * Transcript: интервью.mp3
 * Duration: 00:12:34
 * Languages: kk-KZ, ru-RU
 * Speakers: Айгүл Серікова, Speaker 2
 *
 * [00:00:00] Айгүл Серікова: Сәлеметсіз бе! Қалыңыз қалай?
 *
 * [00:00:04] Speaker 2: Спасибо, хорошо.
 * ```
 *
 * Consecutive segments of the same speaker are joined into one paragraph stamped with the start
 * of its first segment. Duration, Languages and Speakers lines are left out when unknown/empty.
 */
export function renderTxt(doc: ExportDocument): string {
  const lines: string[] = [`Transcript: ${normalizeText(doc.filename)}`];
  if (doc.durationSeconds !== null && Number.isFinite(doc.durationSeconds)) {
    lines.push(`Duration: ${formatClock(doc.durationSeconds)}`);
  }
  if (doc.languages.length > 0) {
    lines.push(`Languages: ${doc.languages.join(', ')}`);
  }
  if (doc.speakers.length > 0) {
    lines.push(`Speakers: ${doc.speakers.map((s) => normalizeText(s.label) || s.tag).join(', ')}`);
  }

  const paragraphs: { start: number; tag: string; label: string; texts: string[] }[] = [];
  for (const segment of orderedSegments(doc)) {
    const text = normalizeText(segment.text);
    if (!text) {
      continue;
    }
    const last = paragraphs.at(-1);
    if (last && last.tag === segment.speakerTag) {
      last.texts.push(text);
    } else {
      paragraphs.push({
        start: segment.start,
        tag: segment.speakerTag,
        label: speakerLabelOf(doc, segment),
        texts: [text],
      });
    }
  }
  for (const p of paragraphs) {
    const prefix = p.label ? `${p.label}: ` : '';
    lines.push('', `[${formatClock(p.start)}] ${prefix}${p.texts.join(' ')}`);
  }
  return lines.join('\n') + '\n';
}
