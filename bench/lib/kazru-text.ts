/**
 * Deterministic mixed Kazakh/Russian call-centre text for the search benchmark: words drawn
 * from small lists with Zipf–Mandelbrot weights (function words steep, content words flatter), Kazakh stems
 * with case and possessive suffixes, Russian stems with endings, some capitalised, and a few
 * planted rare words whose frequency is known.
 */

/** A seeded pseudo-random generator (mulberry32): the same seed gives the same text. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KK_FUNCTION = [
  'және',
  'мен',
  'бұл',
  'бір',
  'сол',
  'енді',
  'иә',
  'жоқ',
  'бар',
  'өте',
  'тағы',
  'қазір',
];
const KK_STEMS = [
  'қазақстан',
  'алматы',
  'астана',
  'келісімшарт',
  'төлем',
  'қызмет',
  'байланыс',
  'интернет',
  'нөмір',
  'өтініш',
  'мекенжай',
  'маман',
  'уақыт',
  'күн',
  'ақша',
  'шот',
  'банк',
  'несие',
  'құжат',
  'тариф',
  'абонент',
  'сұрақ',
  'жауап',
  'бөлім',
  'кеңсе',
  'қала',
  'ауыл',
  'жұмыс',
  'мәселе',
  'шешім',
  'телефон',
  'хабарлама',
  'әлем',
  'ұйым',
  'үй',
  'өңір',
  'ғимарат',
  'іс',
];
const KK_SUFFIXES = [
  '',
  '',
  '',
  'ның',
  'ға',
  'да',
  'дан',
  'ды',
  'ым',
  'ыңыз',
  'тар',
  'лар',
  'дағы',
];
const KK_VERBS = [
  'айтыңызшы',
  'көмектесе',
  'аламын',
  'түсіндім',
  'тексеремін',
  'жібердік',
  'келді',
  'болады',
  'керек',
];
const RU_FUNCTION = [
  'и',
  'в',
  'не',
  'на',
  'что',
  'с',
  'по',
  'это',
  'да',
  'но',
  'у',
  'меня',
  'вас',
  'уже',
];
const RU_STEMS = [
  'договор',
  'звонок',
  'оператор',
  'абонент',
  'тариф',
  'платёж',
  'счёт',
  'номер',
  'адрес',
  'заявк',
  'интернет',
  'подключени',
  'соединени',
  'услуг',
  'банк',
  'карт',
  'кредит',
  'ёлк',
  'отчёт',
  'документ',
  'сотрудник',
  'офис',
  'город',
  'день',
  'время',
  'вопрос',
  'ответ',
];
const RU_ENDINGS = ['', '', 'а', 'у', 'ом', 'е', 'ы', 'ов', 'ами', 'ах'];
const RU_VERBS = [
  'здравствуйте',
  'пожалуйста',
  'спасибо',
  'работает',
  'проверю',
  'подождите',
  'скажите',
  'отправили',
  'можно',
];

/** Planted rare words and the share of segments that get one. */
export const RARE_WORDS: Readonly<Record<string, number>> = {
  жетісу: 0.002,
  баянауыл: 0.0002,
  спецпредложение: 0.001,
};

/**
 * Zipf–Mandelbrot weights: the word of rank r (from 0) is drawn with weight 1 / (r + 1 + q)^s.
 * Function words (`q` 1) are steep: the first is in about 40 % of segments, as "және"/"и" are
 * in real speech. Content words (`q` 8) are flatter, so no content word is in more than about
 * 15 % of segments (the old `rnd() ** 2.2` put "қазақстан" in 41 % and "договор" in 34 %).
 */
function zipfTable(size: number, q: number, s = 1): number[] {
  const w = Array.from({ length: size }, (_, r) => 1 / (r + 1 + q) ** s);
  const total = w.reduce((a, b) => a + b, 0);
  let acc = 0;
  return w.map((x) => (acc += x / total));
}

const TABLES = new Map<readonly unknown[], number[]>();

/** Picks from `list` with Zipf–Mandelbrot weights (see {@link zipfTable}; `q` flattens). */
function zipf<T>(list: readonly T[], rnd: () => number, q = 8): T {
  let table = TABLES.get(list);
  if (!table) TABLES.set(list, (table = zipfTable(list.length, q)));
  const u = rnd();
  const i = table.findIndex((c) => u < c);
  return list[i < 0 ? list.length - 1 : i];
}

function kkWord(rnd: () => number): string {
  const r = rnd();
  if (r < 0.3) return zipf(KK_FUNCTION, rnd, 1);
  if (r < 0.45) return zipf(KK_VERBS, rnd);
  return zipf(KK_STEMS, rnd) + zipf(KK_SUFFIXES, rnd);
}

function ruWord(rnd: () => number): string {
  const r = rnd();
  if (r < 0.35) return zipf(RU_FUNCTION, rnd, 1);
  if (r < 0.5) return zipf(RU_VERBS, rnd);
  return zipf(RU_STEMS, rnd) + zipf(RU_ENDINGS, rnd);
}

/** One segment's text (6–20 words) in `language`, with occasional capitals and rare words. */
export function segmentText(rnd: () => number, language: 'kk-KZ' | 'ru-RU'): string {
  const n = 6 + Math.floor(rnd() * 15);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(language === 'kk-KZ' ? kkWord(rnd) : ruWord(rnd));
  for (const [word, share] of Object.entries(RARE_WORDS)) {
    if (rnd() < share) words.splice(Math.floor(rnd() * words.length), 0, word);
  }
  if (rnd() < 0.1) words[1] = words[1]!.toUpperCase();
  words[0] = words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1);
  return `${words.join(' ')}${rnd() < 0.2 ? '?' : '.'}`;
}
