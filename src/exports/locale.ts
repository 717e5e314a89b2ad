/**
 * Words of the export documents in Kazakh, Russian and English: headers, default speaker labels,
 * language names, the retention note and page numbers. Pure data plus formatting helpers.
 */
import type { ExportLocale } from './options.js';

/** Every word an export writes that is not the transcript itself. */
export interface ExportStrings {
  /** BCP-47 tag of the locale, for the DOCX's own text (`kk-KZ`). */
  tag: string;
  transcript: string;
  duration: string;
  date: string;
  languages: string;
  engine: string;
  speakers: string;
  speakingTime: string;
  /** Default label of the n-th speaker (1-based). */
  speaker: (n: number) => string;
  /** Display names of language tags; other tags are shown as they are. */
  languageNames: Readonly<Record<string, string>>;
  /** Footer note: how long the service keeps the recording. */
  retention: (hours: number) => string;
  /** `Page {n} of {total}` split around the two numbers. */
  page: readonly [string, string, string];
  /** Time zone note after dates. */
  utc: string;
}

/** The strings of each locale. */
export const EXPORT_STRINGS: Readonly<Record<ExportLocale, ExportStrings>> = Object.freeze({
  kk: {
    tag: 'kk-KZ',
    transcript: 'Транскрипт',
    duration: 'Ұзақтығы',
    date: 'Күні',
    languages: 'Тілдер',
    engine: 'Тану жүйесі',
    speakers: 'Сөйлеушілер',
    speakingTime: 'сөйлеу уақыты',
    speaker: (n) => `Сөйлеуші ${n}`,
    languageNames: { 'kk-KZ': 'қазақ тілі', 'ru-RU': 'орыс тілі' },
    retention: (h) =>
      `KazRu-STT Pro жасаған құжат. Жазба мен транскрипт жүктелгеннен кейін ${h} сағаттан соң серверден жойылады.`,
    page: ['', ' / ', ' бет'],
    utc: 'UTC',
  },
  ru: {
    tag: 'ru-RU',
    transcript: 'Расшифровка',
    duration: 'Длительность',
    date: 'Дата',
    languages: 'Языки',
    engine: 'Распознавание',
    speakers: 'Спикеры',
    speakingTime: 'время речи',
    speaker: (n) => `Спикер ${n}`,
    languageNames: { 'kk-KZ': 'казахский', 'ru-RU': 'русский' },
    retention: (h) =>
      `Документ создан в KazRu-STT Pro. Запись и расшифровка удаляются с сервера через ${h} ч после загрузки.`,
    page: ['Страница ', ' из ', ''],
    utc: 'UTC',
  },
  en: {
    tag: 'en-GB',
    transcript: 'Transcript',
    duration: 'Duration',
    date: 'Date',
    languages: 'Languages',
    engine: 'Engine',
    speakers: 'Speakers',
    speakingTime: 'speaking time',
    speaker: (n) => `Speaker ${n}`,
    languageNames: { 'kk-KZ': 'Kazakh', 'ru-RU': 'Russian' },
    retention: (h) =>
      `Made with KazRu-STT Pro. The recording and transcript are deleted from the server ${h} hours after upload.`,
    page: ['Page ', ' of ', ''],
    utc: 'UTC',
  },
});

/**
 * A date and time in the locale's words, in UTC so the same document always renders the same:
 * `2 қаңтар 2026 ж., 03:04 UTC`, `2 января 2026 г., 03:04 UTC`, `2 January 2026, 03:04 UTC`.
 * Uses Node's ICU (full-icu is the default in Node 24).
 */
export function formatExportDate(date: Date, locale: ExportLocale): string {
  const s = EXPORT_STRINGS[locale];
  const text = new Intl.DateTimeFormat(s.tag, {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: 'UTC',
  }).format(date);
  return `${text} ${s.utc}`;
}

/** The display name of a language tag in a locale (`kk-KZ` → `қазақ тілі`), else the tag. */
export function languageName(tag: string, strings: ExportStrings): string {
  return strings.languageNames[tag] ?? tag;
}
