import { buildTranscript } from '../../src/services/transcript-builder.js';
import type { Utterance } from '../../src/stt/types.js';

const u = (
  channelTag: string,
  finalIndex: number,
  startMs: number,
  endMs: number,
  text: string,
  language?: string,
): Utterance => ({
  channelTag,
  finalIndex,
  startMs,
  endMs,
  text,
  language,
  words: text.split(' ').map((w, i, all) => ({
    text: w,
    startMs: startMs + ((endMs - startMs) * i) / all.length,
    endMs: startMs + ((endMs - startMs) * (i + 1)) / all.length,
  })),
});

test('orders segments by time across channels and labels speakers by first appearance', () => {
  const t = buildTranscript([
    u('1', 0, 2500, 4000, 'Здравствуйте, слушаю вас', 'ru-RU'),
    u('0', 0, 500, 2000, 'Сәлеметсіз бе', 'kk-KZ'),
    u('0', 1, 4500, 6000, 'Рақмет', 'kk-KZ'),
  ]);
  expect(t.segments.map((s) => [s.index, s.speakerTag, s.start, s.end])).toEqual([
    [0, '0', 0.5, 2],
    [1, '1', 2.5, 4],
    [2, '0', 4.5, 6],
  ]);
  expect(t.speakers).toEqual([
    { tag: '0', label: 'Speaker 1', speakingSeconds: 3, segmentCount: 2 },
    { tag: '1', label: 'Speaker 2', speakingSeconds: 1.5, segmentCount: 1 },
  ]);
  expect(t.languages).toEqual(['kk-KZ', 'ru-RU']);
  expect(t.text).toBe('Сәлеметсіз бе\nЗдравствуйте, слушаю вас\nРақмет');
  expect(t.segments[1].words[0]).toEqual({ text: 'Здравствуйте,', start: 2.5, end: 3 });
});

test('the second voice to speak is Speaker 1 when it speaks first, whatever its tag', () => {
  const t = buildTranscript([u('1', 0, 0, 1000, 'А'), u('0', 0, 1500, 2000, 'Б')]);
  expect(t.speakers.map((s) => [s.tag, s.label])).toEqual([
    ['1', 'Speaker 1'],
    ['0', 'Speaker 2'],
  ]);
});

test('drops empty utterances; fills language only when one was requested', () => {
  const t = buildTranscript([u('0', 0, 0, 1000, '   '), u('0', 1, 1000, 2000, 'Иә')], 'kk-KZ');
  expect(t.segments).toHaveLength(1);
  expect(t.segments[0].language).toBe('kk-KZ');
  expect(buildTranscript([u('0', 1, 1000, 2000, 'Иә')]).segments[0].language).toBeNull();
  expect(buildTranscript([]).speakers).toEqual([]);
});
