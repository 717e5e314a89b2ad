import { JobError } from '../../../src/errors.js';
import {
  assembleUtterances,
  parseRecognitionStream,
  splitJsonValues,
} from '../../../src/stt/speechkit/result-stream.js';

/**
 * The verbatim example of "SpeechKit v3 REST: getRecognition response" (§2.4). The docs elide the
 * refinement's words as "…same 14 words…"; they are filled in from the final below.
 */
const DOCS_FINAL =
  '{"result":{"sessionUuid":{"uuid":"24935f24-2c1f62dc-8dd49006-********","userRequestId":"f8d2h7m07t4i********"},"audioCursors":{"receivedDataMs":"7400","resetTimeMs":"0","partialTimeMs":"7400","finalTimeMs":"7400","finalIndex":"0","eouTimeMs":"0"},"responseWallTimeMs":"189","final":{"alternatives":[{"words":[{"text":"я","startTimeMs":"459","endTimeMs":"520"},{"text":"яндекс","startTimeMs":"640","endTimeMs":"1060"},{"text":"спичкит","startTimeMs":"1120","endTimeMs":"1959"},{"text":"я","startTimeMs":"2480","endTimeMs":"2520"},{"text":"могу","startTimeMs":"2580","endTimeMs":"2800"},{"text":"превратить","startTimeMs":"2860","endTimeMs":"3360"},{"text":"любой","startTimeMs":"3439","endTimeMs":"3709"},{"text":"текст","startTimeMs":"3800","endTimeMs":"4140"},{"text":"в","startTimeMs":"4200","endTimeMs":"4220"},{"text":"речь","startTimeMs":"4279","endTimeMs":"4740"},{"text":"теперь","startTimeMs":"5140","endTimeMs":"5759"},{"text":"и","startTimeMs":"5859","endTimeMs":"5900"},{"text":"вы","startTimeMs":"5980","endTimeMs":"6399"},{"text":"можете","startTimeMs":"6660","endTimeMs":"7180"}],"text":"я яндекс спичкит я могу превратить любой текст в речь теперь и вы можете","startTimeMs":"0","endTimeMs":"7400","confidence":0,"languages":[]}],"channelTag":"0"},"channelTag":"0"}}';
const DOCS_WORDS = JSON.stringify(
  (JSON.parse(DOCS_FINAL) as { result: { final: { alternatives: { words: unknown[] }[] } } }).result
    .final.alternatives[0].words,
);
const DOCS_REFINEMENT =
  '{"result":{"sessionUuid":{"uuid":"24935f24-2c1f62dc-8dd49006-********","userRequestId":"f8d2h7m07t4i********"},"audioCursors":{"receivedDataMs":"7400","resetTimeMs":"0","partialTimeMs":"7400","finalTimeMs":"7400","finalIndex":"0","eouTimeMs":"0"},"responseWallTimeMs":"189","finalRefinement":{"finalIndex":"0","normalizedText":{"alternatives":[{"words":' +
  DOCS_WORDS +
  ',"text":"Я яндекс спичкит я могу превратить любой текст в речь теперь и вы можете","startTimeMs":"0","endTimeMs":"7400","confidence":0,"languages":[]}],"channelTag":"0"}},"channelTag":"0"}}';
const DOCS_EOU =
  '{"result":{"sessionUuid":{"uuid":"24935f24-2c1f62dc-8dd49006-********","userRequestId":"f8d2h7m07t4i********"},"audioCursors":{"receivedDataMs":"7400","resetTimeMs":"0","partialTimeMs":"7400","finalTimeMs":"7400","finalIndex":"0","eouTimeMs":"7400"},"responseWallTimeMs":"190","eouUpdate":{"timeMs":"7400"},"channelTag":"0"}}';

const DOCS_TEXT = 'Я яндекс спичкит я могу превратить любой текст в речь теперь и вы можете';

/** Builds a `final` message. Times are int64 strings like the wire format. */
function final(
  channelTag: string,
  finalIndex: number,
  text: string,
  startMs: number,
  endMs: number,
  languages: { languageCode: string; probability: number }[] = [],
) {
  return {
    result: {
      audioCursors: { finalIndex: String(finalIndex), finalTimeMs: String(endMs) },
      final: {
        alternatives: [
          {
            words: text.split(' ').map((w, i) => ({
              text: w,
              startTimeMs: String(startMs + i * 10),
              endTimeMs: String(startMs + i * 10 + 5),
            })),
            text,
            startTimeMs: String(startMs),
            endTimeMs: String(endMs),
            confidence: 0,
            languages,
          },
        ],
        channelTag,
      },
      channelTag,
    },
  };
}

function refinement(
  channelTag: string,
  finalIndex: number,
  text: string,
  startMs: number,
  endMs: number,
) {
  return {
    result: {
      audioCursors: { finalIndex: '999' }, // must not be used for refinements
      finalRefinement: {
        finalIndex: String(finalIndex),
        normalizedText: {
          alternatives: [
            {
              words: [],
              text,
              startTimeMs: String(startMs),
              endTimeMs: String(endMs),
              languages: [],
            },
          ],
          channelTag,
        },
      },
      channelTag,
    },
  };
}

function expectJobError(fn: () => unknown, code: string, messagePart?: string | RegExp) {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(JobError);
  expect((caught as JobError).code).toBe(code);
  if (messagePart) expect((caught as JobError).message).toMatch(messagePart);
}

describe('splitJsonValues', () => {
  it('splits NDJSON, pretty-printed, and back-to-back objects alike', () => {
    const a = { result: { x: 1 } };
    const b = { result: { y: '}{"' } };
    const expected = [a, b];
    expect(splitJsonValues(`${JSON.stringify(a)}\n${JSON.stringify(b)}\n`)).toEqual(expected);
    expect(splitJsonValues(JSON.stringify(a, null, 2) + JSON.stringify(b, null, 4))).toEqual(
      expected,
    );
    expect(splitJsonValues(`${JSON.stringify(a)}${JSON.stringify(b)}`)).toEqual(expected);
    expect(splitJsonValues(`\r\n  ${JSON.stringify(a)} ,\n\t${JSON.stringify(b)}  `)).toEqual(
      expected,
    );
  });

  it('keeps braces and escaped quotes inside strings', () => {
    const tricky = { result: { text: 'a } b { "c" \\ d' } };
    expect(splitJsonValues(JSON.stringify(tricky) + JSON.stringify(tricky))).toEqual([
      tricky,
      tricky,
    ]);
  });

  it('flattens a top-level array and returns [] for an empty body', () => {
    expect(splitJsonValues('[{"a":1},{"b":2}]')).toEqual([{ a: 1 }, { b: 2 }]);
    expect(splitJsonValues('')).toEqual([]);
    expect(splitJsonValues(' \n ')).toEqual([]);
  });

  it.each([
    ['plain text', 'Internal Server Error'],
    ['a scalar', '42'],
    ['a truncated object', '{"result":{"final":'],
    ['invalid JSON inside braces', '{"result": nope}'],
    ['garbage after a valid object', '{"result":{}}\n<html>'],
  ])('rejects %s with STT_RESULT_MALFORMED', (_name, body) => {
    expectJobError(() => splitJsonValues(body), 'STT_RESULT_MALFORMED');
  });
});

describe('parseRecognitionStream', () => {
  const expectDocsUtterance = (body: string) => {
    const utterances = parseRecognitionStream(body);
    expect(utterances).toHaveLength(1);
    const [u] = utterances;
    expect(u).toMatchObject({
      channelTag: '0',
      finalIndex: 0,
      startMs: 0,
      endMs: 7400,
      text: DOCS_TEXT,
    });
    expect(u.language).toBeUndefined();
    expect(u.words).toHaveLength(14);
    expect(u.words[0]).toEqual({ text: 'я', startMs: 459, endMs: 520 });
    expect(u.words[13]).toEqual({ text: 'можете', startMs: 6660, endMs: 7180 });
  };

  it('assembles the verbatim docs example (NDJSON), preferring the refinement', () => {
    expectDocsUtterance([DOCS_FINAL, DOCS_REFINEMENT, DOCS_EOU].join('\n'));
  });

  it('assembles the docs example pretty-printed and concatenated', () => {
    const pretty = [DOCS_FINAL, DOCS_REFINEMENT, DOCS_EOU]
      .map((l) => JSON.stringify(JSON.parse(l), null, 2))
      .join('\n');
    expect(pretty.split('\n').length).toBeGreaterThan(50);
    expectDocsUtterance(pretty);
    expectDocsUtterance(pretty.replace(/\n/g, '')); // no separators at all
  });

  it('uses the final when there is no refinement, and the refinement even when it comes first', () => {
    const onlyFinal = parseRecognitionStream(JSON.stringify(final('0', 0, 'сәлем әлем', 100, 900)));
    expect(onlyFinal).toEqual([
      {
        channelTag: '0',
        finalIndex: 0,
        startMs: 100,
        endMs: 900,
        text: 'сәлем әлем',
        words: [
          { text: 'сәлем', startMs: 100, endMs: 105 },
          { text: 'әлем', startMs: 110, endMs: 115 },
        ],
      },
    ]);
    const reversed = [
      refinement('0', 0, 'Сәлем, әлем!', 100, 900),
      final('0', 0, 'сәлем әлем', 100, 900),
    ];
    const [u] = assembleUtterances(reversed);
    expect(u.text).toBe('Сәлем, әлем!');
    // refinement has no words → the final's words are used
    expect(u.words.map((w) => w.text)).toEqual(['сәлем', 'әлем']);
  });

  it('keys by (channelTag, finalIndex): channels with equal indices stay apart, sorted by start then channel', () => {
    const messages = [
      final('1', 0, 'здравствуйте', 1200, 2000),
      refinement('1', 0, 'Здравствуйте.', 1200, 2000),
      final('0', 0, 'алло', 100, 800),
      final('0', 1, 'слушаю вас', 2500, 3100),
      refinement('0', 1, 'Слушаю вас.', 2500, 3100),
      final('1', 1, 'да', 2500, 2700),
    ];
    const out = assembleUtterances(messages);
    expect(out.map((u) => [u.channelTag, u.finalIndex, u.startMs, u.text])).toEqual([
      ['0', 0, 100, 'алло'],
      ['1', 0, 1200, 'Здравствуйте.'],
      ['0', 1, 2500, 'Слушаю вас.'],
      ['1', 1, 2500, 'да'],
    ]);
  });

  it('takes the channelTag from the AlternativeUpdate when the result-level one is missing', () => {
    const m = final('1', 0, 'текст', 0, 500);
    delete (m.result as { channelTag?: string }).channelTag;
    expect(parseRecognitionStream(JSON.stringify(m))[0].channelTag).toBe('1');
  });

  it('picks the language with the highest probability', () => {
    const m = final('0', 0, 'сәлеметсіз бе', 0, 900, [
      { languageCode: 'ru-RU', probability: 0.21 },
      { languageCode: 'kk-KZ', probability: 0.78 },
      { languageCode: 'uz-UZ', probability: 0.01 },
    ]);
    expect(parseRecognitionStream(JSON.stringify(m))[0].language).toBe('kk-KZ');
  });

  it('parses int64 strings (and tolerates numbers) into numbers', () => {
    const m = final('0', 0, 'бір', 0, 0);
    m.result.final.alternatives[0].startTimeMs = '12345678901';
    (m.result.final.alternatives[0] as { endTimeMs: unknown }).endTimeMs = 12345679999;
    const [u] = parseRecognitionStream(JSON.stringify(m));
    expect(u.startMs).toBe(12345678901);
    expect(u.endMs).toBe(12345679999);
    expect(typeof u.finalIndex).toBe('number');
  });

  it('ignores partial, eouUpdate, statusCode, classifier and analysis events, and empty finals', () => {
    const messages = [
      {
        result: {
          partial: { alternatives: [{ text: 'черновик', startTimeMs: '0', endTimeMs: '100' }] },
          channelTag: '0',
        },
      },
      { result: { statusCode: { codeType: 'WORKING', message: '' }, channelTag: '0' } },
      { result: { eouUpdate: { timeMs: '900' }, channelTag: '0' } },
      {
        result: {
          classifierUpdate: {
            windowType: 'LAST_UTTERANCE',
            classifierResult: { classifier: 'insult' },
          },
        },
      },
      { result: { speakerAnalysis: { speakerTag: '0', windowType: 'TOTAL' } } },
      { result: { conversationAnalysis: { totalSpeechRatio: 0.5 } } },
      final('0', 0, '', 0, 100),
      {
        result: { final: { alternatives: [], channelTag: '0' }, audioCursors: { finalIndex: '1' } },
      },
      final('0', 2, 'настоящий текст', 1000, 1900),
    ];
    const out = assembleUtterances(messages);
    expect(out.map((u) => u.text)).toEqual(['настоящий текст']);
  });

  it('turns a top-level error object into STT_OPERATION_FAILED with code and message', () => {
    const body = `${DOCS_FINAL}\n{"error":{"code":13,"message":"Internal error while recognizing","details":[]}}\n`;
    expectJobError(
      () => parseRecognitionStream(body),
      'STT_OPERATION_FAILED',
      /code 13 INTERNAL.*Internal error while recognizing/,
    );
  });

  it.each([
    ['garbage', 'this is not JSON'],
    ['an HTML error page', '<html><body>502 Bad Gateway</body></html>'],
    ['truncated stream', DOCS_FINAL + '\n' + DOCS_REFINEMENT.slice(0, 100)],
    ['an object without result or error', '{"foo":1}'],
    ['alternatives of the wrong type', '{"result":{"final":{"alternatives":"x"}}}'],
    [
      'a non-integer time',
      '{"result":{"audioCursors":{"finalIndex":"0"},"final":{"alternatives":[{"text":"a","startTimeMs":"soon"}]}}}',
    ],
    [
      'a non-integer finalIndex',
      '{"result":{"audioCursors":{"finalIndex":"zero"},"final":{"alternatives":[{"text":"a"}]}}}',
    ],
    ['a scalar result', '{"result":7}'],
  ])('rejects %s with STT_RESULT_MALFORMED', (_name, body) => {
    expectJobError(() => parseRecognitionStream(body), 'STT_RESULT_MALFORMED');
  });

  it('returns no utterances for an empty stream (silence)', () => {
    expect(parseRecognitionStream('')).toEqual([]);
  });
});
