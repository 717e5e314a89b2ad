/**
 * Word timings after edits (pure): kept words keep their times, new words are interpolated in
 * the gap they fill, nothing lies outside the segment, and a split cuts at the nearest word
 * boundary. The property test runs many random edits of a segment's text and times.
 */
import { retimeWords, splitIndex, tokenize } from '../../../src/services/workbench/word-timing.js';
import { splitAt } from '../../../src/services/workbench/split.js';
import { mergedSegment } from '../../../src/services/workbench/merge.js';
import { findPattern, countMatches, replaceAll } from '../../../src/services/workbench/replace.js';
import type {
  SegmentSnapshot,
  SnapshotWord,
} from '../../../src/services/workbench/revision-change.js';

const words: SnapshotWord[] = [
  { text: 'Түсіндім.', start: 11.382, end: 12.2 },
  { text: 'Келісімшарт', start: 12.3, end: 13.4 },
  { text: 'нөміріңізді', start: 13.5, end: 14.5 },
  { text: 'айтыңызшы,', start: 14.6, end: 15.2 },
  { text: 'пожалуйста.', start: 15.25, end: 15.636 },
];
const span = { start: 11.382, end: 15.636 };

function segment(over: Partial<SegmentSnapshot> = {}): SegmentSnapshot {
  return {
    id: 's1',
    speakerId: 'sp1',
    start: span.start,
    end: span.end,
    text: words.map((w) => w.text).join(' '),
    language: 'kk-KZ',
    confidence: null,
    edited: false,
    words,
    ...over,
  };
}

test('unchanged words keep their times; an inserted word fills the gap where it stands', () => {
  const out = retimeWords(
    words,
    'Түсіндім. Келісімшарт тағы нөміріңізді айтыңызшы, пожалуйста.',
    span,
  );
  expect(out.map((w) => w.text)).toEqual(
    tokenize('Түсіндім. Келісімшарт тағы нөміріңізді айтыңызшы, пожалуйста.'),
  );
  expect(out[0]).toEqual(words[0]);
  expect(out[1]).toEqual(words[1]);
  expect(out[3]).toEqual(words[2]);
  expect(out[2].start).toBeGreaterThanOrEqual(words[1].end);
  expect(out[2].end).toBeLessThanOrEqual(words[2].start);
});

test('a changed word takes the time of the word it replaces; case and punctuation do not count as change', () => {
  const out = retimeWords(words, 'түсіндім Шарт нөміріңізді айтыңызшы пожалуйста', span);
  expect(out[0]).toEqual({ ...words[0], text: 'түсіндім' });
  expect(out[1].text).toBe('Шарт');
  expect(out[1].start).toBeGreaterThanOrEqual(words[0].end);
  expect(out[1].end).toBeLessThanOrEqual(words[2].start);
  expect(out[4]).toEqual({ ...words[4], text: 'пожалуйста' });
});

test('a segment without words gets them spread over its span by length', () => {
  const out = retimeWords([], 'бір екі үш', { start: 1, end: 2 });
  expect(out.map((w) => w.text)).toEqual(['бір', 'екі', 'үш']);
  expect(out[0].start).toBe(1);
  expect(out[2].end).toBe(2);
});

test('split cuts at the word boundary nearest to the time', () => {
  expect(splitIndex(words, 13.45)).toBe(2);
  expect(splitIndex(words, 11.5)).toBe(1);
  expect(splitIndex(words, 99)).toBe(4);
  const [a, b] = splitAt(segment(), 13.45, ['a', 'b']);
  expect(a).toMatchObject({
    id: 'a',
    start: span.start,
    end: 13.4,
    text: 'Түсіндім. Келісімшарт',
    edited: true,
  });
  expect(b).toMatchObject({
    id: 'b',
    start: 13.5,
    end: span.end,
    text: 'нөміріңізді айтыңызшы, пожалуйста.',
  });
  expect(b.words[0]).toEqual(words[2]);
  expect(() => splitAt(segment(), span.end, ['a', 'b'])).toThrow(/not inside/);
  expect(() => splitAt(segment({ text: 'бір', words: [] }), 12, ['a', 'b'])).toThrow(/one word/);
});

test('merge joins texts and keeps every word', () => {
  const [a, b] = splitAt(segment(), 13.45, ['a', 'b']);
  const m = mergedSegment([a, b]);
  expect(m).toMatchObject({ id: 'a', start: span.start, end: span.end, text: segment().text });
  expect(m.words).toEqual(words);
});

test('find: Unicode case folding for Kazakh letters, whole words, and spaces-only refused', () => {
  const text = 'ӘЛЕМ әлем Қазақстан ҚАЗАҚСТАНДА';
  expect(countMatches([text], findPattern('әлем'))).toBe(2);
  expect(countMatches([text], findPattern('әлем', { matchCase: true }))).toBe(1);
  expect(countMatches([text], findPattern('қазақстан', { wholeWord: true }))).toBe(1);
  expect(countMatches([text], findPattern('қазақстан'))).toBe(2);
  expect(countMatches(['a.b a+b'], findPattern('a.b'))).toBe(1);
  expect(() => findPattern('  ')).toThrow(/only spaces/);
  expect(replaceAll('бір екі бір', findPattern('бір', { wholeWord: true }), '')).toBe('екі');
  expect(replaceAll('$1 cost', findPattern('cost'), '$& $1')).toBe('$1 $& $1');
});

/** A small deterministic random generator (mulberry32), so a failure can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('property: after any sequence of random edits every word lies inside its segment', () => {
  const vocabulary = [
    'сәлем',
    'Алматы',
    'интернет',
    'не',
    'работает',
    'бір',
    'екі,',
    'үш.',
    'Нұр-Сұлтан',
  ];
  const pick = () => vocabulary[Math.floor(rnd() * vocabulary.length)];
  const rnd = random(12);
  const violations: string[] = [];
  const check = (s: Pick<SegmentSnapshot, 'start' | 'end' | 'words'>, where: string) => {
    for (const w of s.words) {
      if (w.start < s.start || w.end > s.end || w.end < w.start) {
        violations.push(`${where}: "${w.text}" ${w.start}–${w.end} in ${s.start}–${s.end}`);
      }
    }
  };
  let edits = 0;
  for (let run = 0; run < 200; run++) {
    let current = segment();
    for (let step = 0; step < 20; step++, edits++) {
      const tokens = tokenize(current.text);
      const op = rnd();
      const at = Math.floor(rnd() * tokens.length);
      if (op < 0.3) tokens.splice(at, 0, pick());
      else if (op < 0.5 && tokens.length > 1) tokens.splice(at, 1);
      else if (op < 0.7) tokens[at] = pick();
      let { start, end } = current;
      if (rnd() < 0.4) {
        start = Math.max(0, Math.round((current.start + (rnd() - 0.5) * 2) * 1000) / 1000);
        end = Math.round((start + 0.001 + rnd() * 6) * 1000) / 1000;
      }
      const text = tokens.join(' ');
      const next = retimeWords(current.words, text, { start, end });
      current = { ...current, start, end, text, words: next };
      if (next.map((w) => w.text).join(' ') !== text) violations.push(`run ${run}: words ≠ text`);
      check(current, `run ${run} step ${step}`);
      if (tokens.length > 1 && end - start > 0.01 && rnd() < 0.2) {
        const cut = start + (0.01 + rnd() * 0.98) * (end - start);
        const halves = splitAt(current, cut, ['x', 'y']);
        halves.forEach((h) => check(h, `run ${run} step ${step} split`));
        current = { ...halves[rnd() < 0.5 ? 0 : 1], id: 's1' };
      }
    }
  }
  expect(edits).toBe(4000);
  expect(violations).toEqual([]);
});
