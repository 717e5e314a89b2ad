/**
 * The OpenAI-compatible engine's wire layer: form fields, answer parsing across servers, language
 * mapping, hallucination filtering. Fixtures are written as each server's JSON shape (sources in
 * the comments; see also the module comments of src/stt/openai/*.ts).
 */
import {
  AUDIO_UPLOADS,
  audioContentType,
  fileFieldName,
  transcriptionFields,
} from '../../../src/stt/openai/form.js';
import {
  confidence,
  OpenAiResultError,
  parseTranscription,
  type ParsedSegment,
} from '../../../src/stt/openai/response.js';
import {
  bestAttempt,
  fromReportedLanguage,
  reportedLanguageCode,
  requestLanguagesFor,
  retryLanguages,
  toWhisperLanguage,
} from '../../../src/stt/openai/language.js';
import {
  compressionRatioOf,
  dropHallucinations,
  isAnnotationOnly,
  isKnownHallucination,
  isNonSpeech,
  looksWrongLanguage,
  normalizeForMatch,
  scoreTranscription,
} from '../../../src/stt/openai/hallucination.js';

// ---------------------------------------------------------------------------------------------
// Fixtures, one per server shape.

/** OpenAI whisper-1 verbose_json with word + segment granularities: words top-level. */
const OPENAI_VERBOSE = {
  task: 'transcribe',
  language: 'kazakh',
  duration: 6.2,
  text: 'Сәлеметсіз бе. Бүгін ауа райы жақсы.',
  segments: [
    {
      id: 0,
      seek: 0,
      start: 0.0,
      end: 2.4,
      text: ' Сәлеметсіз бе.',
      tokens: [50364, 2933, 1546, 50484],
      temperature: 0.0,
      avg_logprob: -0.31,
      compression_ratio: 0.82,
      no_speech_prob: 0.02,
    },
    {
      id: 1,
      seek: 0,
      start: 2.4,
      end: 6.2,
      text: ' Бүгін ауа райы жақсы.',
      tokens: [50484, 4411, 871, 50674],
      temperature: 0.0,
      avg_logprob: -0.45,
      compression_ratio: 0.9,
      no_speech_prob: 0.01,
    },
  ],
  words: [
    { word: 'Сәлеметсіз', start: 0.1, end: 1.2 },
    { word: 'бе', start: 1.2, end: 1.6 },
    { word: 'Бүгін', start: 2.6, end: 3.2 },
    { word: 'ауа', start: 3.3, end: 3.6 },
    { word: 'райы', start: 3.6, end: 4.1 },
    { word: 'жақсы', start: 4.2, end: 5.0 },
  ],
  usage: { type: 'duration', seconds: 7 },
};

/**
 * whisper.cpp examples/server verbose_json: full-name language, detected_language, token-level
 * words nested in segments with t_dtw and probability, no compression_ratio.
 */
const WHISPER_CPP_VERBOSE = {
  task: 'transcribe',
  language: 'kazakh',
  duration: 4.0,
  text: ' Сәлем, достар! Қалайсыңдар?',
  segments: [
    {
      id: 0,
      text: ' Сәлем, достар!',
      start: 0.0,
      end: 1.8,
      tokens: [2933, 1546, 11, 8742, 0],
      words: [
        { word: ' С', start: 0.0, end: 0.3, t_dtw: -1, probability: 0.9 },
        { word: 'әлем', start: 0.3, end: 0.7, t_dtw: -1, probability: 0.8 },
        { word: ',', start: 0.7, end: 0.72, t_dtw: -1, probability: 1.0 },
        { word: ' достар', start: 0.8, end: 1.5, t_dtw: -1, probability: 0.93 },
        { word: '!', start: 1.5, end: 1.6, t_dtw: -1, probability: 0.99 },
      ],
      temperature: 0.0,
      avg_logprob: -0.28,
      no_speech_prob: 0.03,
    },
    {
      id: 1,
      text: ' Қалайсыңдар?',
      start: 1.8,
      end: 3.1,
      tokens: [9120, 30],
      words: [
        { word: ' Қалайсыңдар', start: 1.9, end: 2.9, t_dtw: -1, probability: 0.7 },
        { word: '?', start: 2.9, end: 3.0, t_dtw: -1, probability: 0.95 },
      ],
      temperature: 0.0,
      avg_logprob: -0.52,
      no_speech_prob: 0.04,
    },
  ],
  detected_language: 'kazakh',
  detected_language_probability: 0.71,
  language_probabilities: { kk: 0.71, ru: 0.2, tt: 0.05 },
};

/** speaches verbose_json in v0.9.0-rc.3: code language, `words: null` even with `word` asked (#639). */
const SPEACHES_WORDS_NULL = {
  task: 'transcribe',
  language: 'kk',
  duration: 3.5,
  text: 'Сәлем достар',
  words: null,
  segments: [
    {
      id: 1,
      seek: 0,
      start: 0.0,
      end: 3.5,
      text: ' Сәлем достар',
      tokens: [50365, 2933, 8742, 50540],
      temperature: 0.0,
      avg_logprob: -0.4,
      compression_ratio: 0.9,
      no_speech_prob: 0.05,
      words: null,
      speaker: null,
    },
  ],
};

/** speaches with words working: top-level and nested, leading spaces, probability. */
const SPEACHES_WITH_WORDS = {
  task: 'transcribe',
  language: 'ru',
  duration: 2.0,
  text: 'Добрый вечер',
  words: [
    { start: 0.0, end: 0.6, word: ' Добрый', probability: 0.98, speaker: null },
    { start: 0.6, end: 1.2, word: ' вечер', probability: 0.97, speaker: null },
  ],
  segments: [
    {
      id: 1,
      seek: 0,
      start: 0.0,
      end: 1.2,
      text: ' Добрый вечер',
      tokens: [50365, 3214, 50425],
      temperature: 0.0,
      avg_logprob: -0.12,
      compression_ratio: 0.7,
      no_speech_prob: 0.01,
      words: [
        { start: 0.0, end: 0.6, word: ' Добрый', probability: 0.98, speaker: null },
        { start: 0.6, end: 1.2, word: ' вечер', probability: 0.97, speaker: null },
      ],
      speaker: null,
    },
  ],
};

/** vLLM verbose_json (PR #24209 sample): duration a string, -1.0 placeholders, null no_speech_prob. */
const VLLM_VERBOSE = {
  duration: '17.653125',
  language: 'ru',
  text: ' Добрый день. Начинаем заседание.',
  segments: [
    {
      id: 0,
      avg_logprob: -1.0,
      compression_ratio: -1.0,
      end: 5.54,
      no_speech_prob: null,
      seek: 0,
      start: 0.0,
      temperature: 0.0,
      text: ' Добрый день.',
      tokens: [50365, 3214, 50642],
    },
    {
      id: 1,
      avg_logprob: -1.0,
      compression_ratio: -1.0,
      end: 11.54,
      no_speech_prob: null,
      seek: 0,
      start: 5.54,
      temperature: 0.0,
      text: ' Начинаем заседание.',
      tokens: [50642, 9917, 50942],
    },
  ],
  words: null,
};

/** OpenAI gpt-4o-transcribe-diarize diarized_json. */
const OPENAI_DIARIZED = {
  task: 'transcribe',
  duration: 12.5,
  text: 'Қайырлы таң! Доброе утро, коллеги.',
  segments: [
    {
      type: 'transcript.text.segment',
      id: 'seg_0',
      start: 0.0,
      end: 4.2,
      speaker: 'A',
      text: 'Қайырлы таң!',
    },
    {
      type: 'transcript.text.segment',
      id: 'seg_1',
      start: 4.6,
      end: 9.8,
      speaker: 'B',
      text: 'Доброе утро, коллеги.',
    },
  ],
  usage: {
    type: 'tokens',
    input_tokens: 210,
    output_tokens: 24,
    total_tokens: 234,
    input_token_details: { audio_tokens: 210, text_tokens: 0 },
  },
};

/** A verbose_json segment with defaults, for the hallucination tests. */
function seg(partial: Partial<ParsedSegment> & { text: string }): ParsedSegment {
  return { startSeconds: 0, endSeconds: 2, words: [], ...partial };
}

// ---------------------------------------------------------------------------------------------

describe('transcriptionFields', () => {
  it('verbose_json with words: ordered fields, granularities keep [] and repeat per value', () => {
    expect(
      transcriptionFields({
        model: 'whisper-1',
        language: 'kk',
        responseFormat: 'verbose_json',
        wordTimestamps: true,
        prompt: 'Сәлеметсіз бе',
      }),
    ).toEqual([
      ['model', 'whisper-1'],
      ['language', 'kk'],
      ['response_format', 'verbose_json'],
      ['timestamp_granularities[]', 'word'],
      ['timestamp_granularities[]', 'segment'],
      ['temperature', '0'],
      ['prompt', 'Сәлеметсіз бе'],
    ]);
  });

  it('verbose_json without words asks for segments only; a blank prompt is not sent', () => {
    const fields = transcriptionFields({
      model: 'Systran/faster-whisper-large-v3',
      language: 'ru',
      responseFormat: 'verbose_json',
      wordTimestamps: false,
      temperature: 0.2,
      prompt: '  ',
    });
    expect(fields.filter(([n]) => n === 'timestamp_granularities[]')).toEqual([
      ['timestamp_granularities[]', 'segment'],
    ]);
    expect(fields).toContainEqual(['temperature', '0.2']);
    expect(fields.map(([n]) => n)).not.toContain('prompt');
  });

  it('diarized_json: no granularities, no prompt, chunking_strategy=auto', () => {
    const fields = transcriptionFields({
      model: 'gpt-4o-transcribe-diarize',
      language: 'kk',
      responseFormat: 'diarized_json',
      wordTimestamps: true,
      prompt: 'ignored',
    });
    expect(fields).toEqual([
      ['model', 'gpt-4o-transcribe-diarize'],
      ['language', 'kk'],
      ['response_format', 'diarized_json'],
      ['temperature', '0'],
      ['chunking_strategy', 'auto'],
    ]);
  });

  it('sends language=auto (whisper.cpp) unless told to omit it (speaches, OpenAI)', () => {
    const base = {
      model: 'm',
      language: 'auto',
      responseFormat: 'verbose_json' as const,
      wordTimestamps: false,
    };
    expect(transcriptionFields(base)).toContainEqual(['language', 'auto']);
    expect(transcriptionFields({ ...base, omitAutoLanguage: true }).map(([n]) => n)).not.toContain(
      'language',
    );
    // omitAutoLanguage never drops a real language
    expect(transcriptionFields({ ...base, language: 'kk', omitAutoLanguage: true })).toContainEqual(
      ['language', 'kk'],
    );
  });

  it('rejects a temperature outside 0–1 and blank model/language', () => {
    const base = { model: 'm', language: 'kk', responseFormat: 'verbose_json' as const };
    expect(() => transcriptionFields({ ...base, wordTimestamps: false, temperature: 1.5 })).toThrow(
      RangeError,
    );
    expect(() => transcriptionFields({ ...base, wordTimestamps: false, model: ' ' })).toThrow(
      RangeError,
    );
    expect(() => transcriptionFields({ ...base, wordTimestamps: false, language: '' })).toThrow(
      RangeError,
    );
  });

  it('file part name and content types', () => {
    expect(fileFieldName).toBe('file');
    expect(audioContentType('flac')).toBe('audio/flac');
    expect(audioContentType('ogg')).toBe('audio/ogg');
    expect(AUDIO_UPLOADS.ogg.fileName).toBe('audio.ogg');
  });
});

describe('parseTranscription', () => {
  it('OpenAI: top-level words are assigned to segments by time; texts trimmed', () => {
    const parsed = parseTranscription(OPENAI_VERBOSE, { format: 'verbose_json' });
    expect(parsed.language).toBe('kazakh');
    expect(parsed.durationSeconds).toBe(6.2);
    expect(parsed.text).toBe('Сәлеметсіз бе. Бүгін ауа райы жақсы.');
    expect(parsed.segments).toHaveLength(2);
    expect(parsed.segments[0]).toMatchObject({
      startSeconds: 0,
      endSeconds: 2.4,
      text: 'Сәлеметсіз бе.',
      avgLogprob: -0.31,
      noSpeechProb: 0.02,
      compressionRatio: 0.82,
    });
    expect(parsed.segments[0].words.map((w) => w.text)).toEqual(['Сәлеметсіз', 'бе']);
    expect(parsed.segments[1].words.map((w) => w.text)).toEqual(['Бүгін', 'ауа', 'райы', 'жақсы']);
    expect(parsed.segments[1].words[0]).toEqual({
      text: 'Бүгін',
      startSeconds: 2.6,
      endSeconds: 3.2,
    });
  });

  it('OpenAI: a word in a gap goes to the nearest segment', () => {
    const body = {
      ...OPENAI_VERBOSE,
      segments: [
        { ...OPENAI_VERBOSE.segments[0], end: 1.0 },
        { ...OPENAI_VERBOSE.segments[1], start: 3.0 },
      ],
      words: [
        { word: 'a', start: 1.1, end: 1.3 }, // nearer the first segment's end
        { word: 'b', start: 2.7, end: 2.9 }, // nearer the second's start
      ],
    };
    const parsed = parseTranscription(body, { format: 'verbose_json' });
    expect(parsed.segments[0].words.map((w) => w.text)).toEqual(['a']);
    expect(parsed.segments[1].words.map((w) => w.text)).toEqual(['b']);
  });

  it('whisper.cpp: full-name language, detected_language, nested token words glued, no compression_ratio', () => {
    const parsed = parseTranscription(WHISPER_CPP_VERBOSE, { format: 'verbose_json' });
    expect(parsed.language).toBe('kazakh');
    expect(parsed.detectedLanguage).toBe('kazakh');
    expect(parsed.detectedLanguageProbability).toBe(0.71);
    expect(parsed.text).toBe('Сәлем, достар! Қалайсыңдар?');
    const [first, second] = parsed.segments;
    expect(first.compressionRatio).toBeUndefined();
    expect(first.avgLogprob).toBe(-0.28);
    expect(first.words.map((w) => w.text)).toEqual(['Сәлем,', 'достар!']);
    expect(first.words[0].startSeconds).toBe(0);
    expect(first.words[0].endSeconds).toBe(0.72);
    expect(first.words[0].probability).toBeCloseTo((0.9 + 0.8 + 1.0) / 3, 10);
    expect(second.words.map((w) => w.text)).toEqual(['Қалайсыңдар?']);
    expect(fromReportedLanguage(parsed.language, ['kk-KZ', 'ru-RU'])).toBe('kk-KZ');
  });

  it('whisper.cpp: token times of -1 (not computed) leave the words out, not the segment', () => {
    const body = {
      ...WHISPER_CPP_VERBOSE,
      segments: [
        {
          ...WHISPER_CPP_VERBOSE.segments[0],
          words: [
            { word: ' Сәлем', start: -0.01, end: -0.01, t_dtw: -1, probability: 0.9 },
            { word: ' достар', start: -0.01, end: -0.01, t_dtw: -1, probability: 0.9 },
          ],
        },
      ],
    };
    const parsed = parseTranscription(body, { format: 'verbose_json' });
    expect(parsed.segments).toHaveLength(1);
    expect(parsed.segments[0].words).toEqual([]);
  });

  it('whisper.cpp -di: speaker per segment, "?" is no speaker', () => {
    const body = {
      ...WHISPER_CPP_VERBOSE,
      segments: [
        { ...WHISPER_CPP_VERBOSE.segments[0], speaker: '0' },
        { ...WHISPER_CPP_VERBOSE.segments[1], speaker: '?' },
      ],
    };
    const parsed = parseTranscription(body, { format: 'verbose_json' });
    expect(parsed.segments[0].speaker).toBe('0');
    expect(parsed.segments[1].speaker).toBeUndefined();
  });

  it('speaches: words null at both levels, code language', () => {
    const parsed = parseTranscription(SPEACHES_WORDS_NULL, { format: 'verbose_json' });
    expect(parsed.language).toBe('kk');
    expect(parsed.segments).toHaveLength(1);
    expect(parsed.segments[0]).toMatchObject({ text: 'Сәлем достар', avgLogprob: -0.4 });
    expect(parsed.segments[0].words).toEqual([]);
    expect(parsed.segments[0].speaker).toBeUndefined();
  });

  it('speaches: words top-level and nested are not doubled; leading spaces trimmed', () => {
    const parsed = parseTranscription(SPEACHES_WITH_WORDS, { format: 'verbose_json' });
    expect(parsed.segments[0].words).toEqual([
      { text: 'Добрый', startSeconds: 0, endSeconds: 0.6, probability: 0.98 },
      { text: 'вечер', startSeconds: 0.6, endSeconds: 1.2, probability: 0.97 },
    ]);
  });

  it('speaches #86: segments [] with text gives one segment over the duration', () => {
    const body = { ...SPEACHES_WORDS_NULL, segments: [] };
    const parsed = parseTranscription(body, { format: 'verbose_json' });
    expect(parsed.segments).toEqual([
      { startSeconds: 0, endSeconds: 3.5, text: 'Сәлем достар', words: [] },
    ]);
  });

  it('vLLM: duration as a string, -1.0 placeholders and null no_speech_prob are unknown', () => {
    const parsed = parseTranscription(VLLM_VERBOSE, { format: 'verbose_json' });
    expect(parsed.durationSeconds).toBeCloseTo(17.653125, 10);
    expect(parsed.language).toBe('ru');
    for (const s of parsed.segments) {
      expect(s.avgLogprob).toBeUndefined();
      expect(s.compressionRatio).toBeUndefined();
      expect(s.noSpeechProb).toBeUndefined();
    }
    expect(parsed.segments.map((s) => s.text)).toEqual(['Добрый день.', 'Начинаем заседание.']);
    expect(scoreTranscription(parsed)).toBeUndefined();
    expect(looksWrongLanguage(parsed)).toBe(false);
  });

  it('vLLM: segments null with text → one segment spanning the (string) duration', () => {
    const parsed = parseTranscription(
      { duration: '30.0', language: 'kk', text: ' Сәлем.', segments: null, words: null },
      { format: 'verbose_json' },
    );
    expect(parsed.segments).toEqual([
      { startSeconds: 0, endSeconds: 30, text: 'Сәлем.', words: [] },
    ]);
  });

  it('no segments and no duration: audioSeconds spans the text; none at all is malformed', () => {
    expect(
      parseTranscription({ text: 'Сәлем' }, { format: 'verbose_json', audioSeconds: 12 }).segments,
    ).toEqual([{ startSeconds: 0, endSeconds: 12, text: 'Сәлем', words: [] }]);
    expect(() => parseTranscription({ text: 'Сәлем' }, { format: 'verbose_json' })).toThrow(
      OpenAiResultError,
    );
    // blank text without segments is silence, not an error
    expect(
      parseTranscription({ text: '', duration: 5 }, { format: 'verbose_json' }).segments,
    ).toEqual([]);
  });

  it('diarized_json: segments with speakers, no scores, no words', () => {
    const parsed = parseTranscription(OPENAI_DIARIZED, { format: 'diarized_json' });
    expect(parsed.language).toBeUndefined();
    expect(parsed.durationSeconds).toBe(12.5);
    expect(parsed.segments).toEqual([
      { startSeconds: 0, endSeconds: 4.2, text: 'Қайырлы таң!', speaker: 'A', words: [] },
      {
        startSeconds: 4.6,
        endSeconds: 9.8,
        text: 'Доброе утро, коллеги.',
        speaker: 'B',
        words: [],
      },
    ]);
  });

  it('usage.seconds stands in for a missing duration; segments come out sorted', () => {
    const { duration: _omit, ...rest } = OPENAI_VERBOSE;
    void _omit;
    const parsed = parseTranscription(
      { ...rest, segments: [...OPENAI_VERBOSE.segments].reverse() },
      { format: 'verbose_json' },
    );
    expect(parsed.durationSeconds).toBe(7);
    expect(parsed.segments.map((s) => s.startSeconds)).toEqual([0, 2.4]);
  });

  it('an end slightly before its start (within tolerance) is clamped', () => {
    const parsed = parseTranscription(
      { text: 'x', segments: [{ start: 3.0, end: 2.98, text: 'x' }] },
      { format: 'verbose_json' },
    );
    expect(parsed.segments[0]).toMatchObject({ startSeconds: 3, endSeconds: 3 });
  });

  describe('malformed bodies throw OpenAiResultError', () => {
    const cases: Array<[string, unknown]> = [
      ['null', null],
      ['a string (text format)', 'Сәлем'],
      ['an array', []],
      ['an error object', { error: { message: 'model not loaded' } }],
      ['neither text nor segments', { language: 'kk' }],
      ['segments not an array', { text: 'x', segments: { 0: {} } }],
      ['a segment not an object', { text: 'x', segments: [42] }],
      ['a start not a number', { text: 'x', segments: [{ start: 'abc', end: 1, text: 'x' }] }],
      ['a missing end', { text: 'x', segments: [{ start: 0, text: 'x' }] }],
      ['end before start', { text: 'x', segments: [{ start: 5, end: 3, text: 'x' }] }],
      ['a negative start', { text: 'x', segments: [{ start: -2, end: 3, text: 'x' }] }],
      ['text not a string', { text: 42, segments: [] }],
      ['duration garbage', { text: 'x', duration: 'long', segments: [] }],
      ['words not an array', { text: 'x', segments: [], words: 'none' }],
      [
        'a word ending before it starts',
        {
          text: 'x',
          segments: [{ start: 0, end: 5, text: 'x', words: [{ word: 'x', start: 4, end: 1 }] }],
        },
      ],
    ];
    it.each(cases)('%s', (_name, body) => {
      let error: unknown;
      try {
        parseTranscription(body, { format: 'verbose_json' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(OpenAiResultError);
      expect(error).toBeInstanceOf(Error);
      expect((error as OpenAiResultError).detail.length).toBeGreaterThan(0);
      expect((error as OpenAiResultError).name).toBe('OpenAiResultError');
    });

    it('the detail names the field', () => {
      expect(() =>
        parseTranscription(
          {
            text: 'x',
            segments: [
              { start: 0, end: 1, text: 'x' },
              { start: 5, end: 3, text: 'y' },
            ],
          },
          { format: 'verbose_json' },
        ),
      ).toThrow(/segments\[1\]\.end is before start/);
    });
  });
});

describe('confidence', () => {
  it('is exp(avg_logprob), clamped, undefined when unknown', () => {
    expect(confidence(-0.1)).toBeCloseTo(0.9048, 4);
    expect(confidence(-1)).toBeCloseTo(0.3679, 4);
    expect(confidence(0)).toBe(1);
    expect(confidence(0.2)).toBe(1);
    expect(confidence(undefined)).toBeUndefined();
    expect(confidence(Number.NaN)).toBeUndefined();
  });
});

describe('languages', () => {
  it('toWhisperLanguage takes the primary subtag', () => {
    expect(toWhisperLanguage('kk-KZ')).toBe('kk');
    expect(toWhisperLanguage('ru-RU')).toBe('ru');
    expect(toWhisperLanguage('he-HE')).toBe('he');
    expect(toWhisperLanguage('auto')).toBe('auto');
    expect(toWhisperLanguage('xx-YY')).toBeUndefined();
  });

  it('fromReportedLanguage accepts codes and full names, any case', () => {
    const whitelist = ['kk-KZ', 'ru-RU'];
    for (const reported of ['kazakh', 'kk', 'KK', 'Kazakh', ' kk-KZ ']) {
      expect(fromReportedLanguage(reported, whitelist)).toBe('kk-KZ');
    }
    expect(fromReportedLanguage('russian', whitelist)).toBe('ru-RU');
    expect(fromReportedLanguage('Russian', ['ru-RU'])).toBe('ru-RU');
  });

  it('a language outside the whitelist is not an answer (tt, ba, en on Kazakh speech)', () => {
    const whitelist = ['kk-KZ', 'ru-RU'];
    for (const reported of ['tt', 'tatar', 'ba', 'Bashkir', 'en', 'english', 'uz', 'uk', 'be']) {
      expect(fromReportedLanguage(reported, whitelist)).toBeUndefined();
    }
    expect(fromReportedLanguage('kazakh', ['ru-RU'])).toBeUndefined();
    expect(fromReportedLanguage(undefined, whitelist)).toBeUndefined();
    expect(fromReportedLanguage('klingon', whitelist)).toBeUndefined();
  });

  it('full names of the neighbours are known', () => {
    expect(reportedLanguageCode('tatar')).toBe('tt');
    expect(reportedLanguageCode('bashkir')).toBe('ba');
    expect(reportedLanguageCode('uzbek')).toBe('uz');
    expect(reportedLanguageCode('kyrgyz')).toBe('ky');
    expect(reportedLanguageCode('ukrainian')).toBe('uk');
    expect(reportedLanguageCode('belarusian')).toBe('be');
    expect(reportedLanguageCode('english')).toBe('en');
  });

  it('with ["auto"] any known language is an answer, with the usual region', () => {
    expect(fromReportedLanguage('kazakh', ['auto'])).toBe('kk-KZ');
    expect(fromReportedLanguage('ru', ['auto'])).toBe('ru-RU');
    expect(fromReportedLanguage('tatar', ['auto'])).toBe('tt');
  });

  it('requestLanguagesFor: one language is sent; several → auto with candidates', () => {
    expect(requestLanguagesFor(['kk-KZ'])).toEqual({
      first: 'kk',
      omitAutoLanguage: false,
      candidates: [],
    });
    expect(requestLanguagesFor(['kk-KZ', 'ru-RU'])).toEqual({
      first: 'auto',
      omitAutoLanguage: false,
      candidates: ['kk', 'ru'],
    });
    expect(requestLanguagesFor(['kk-KZ', 'ru-RU'], 'omit')).toEqual({
      first: 'auto',
      omitAutoLanguage: true,
      candidates: ['kk', 'ru'],
    });
    // vLLM cannot detect: start with the first, retry in the others
    expect(requestLanguagesFor(['ru-RU', 'kk-KZ'], 'none')).toEqual({
      first: 'ru',
      omitAutoLanguage: false,
      candidates: ['ru', 'kk'],
    });
    expect(requestLanguagesFor(['auto'])).toEqual({
      first: 'auto',
      omitAutoLanguage: false,
      candidates: [],
    });
    expect(requestLanguagesFor(['auto'], 'none')).toEqual({
      first: 'kk',
      omitAutoLanguage: false,
      candidates: ['kk', 'ru'],
    });
  });

  it('retryLanguages: retry outside-whitelist and low-score answers in the other languages', () => {
    const plan = requestLanguagesFor(['kk-KZ', 'ru-RU']);
    const good = [seg({ text: 'Сәлем', avgLogprob: -0.3 })];
    const poor = [seg({ text: 'Сәлем', avgLogprob: -1.4 })];
    expect(retryLanguages(plan, { language: 'kazakh', segments: good })).toEqual([]);
    expect(retryLanguages(plan, { language: 'tatar', segments: good })).toEqual(['kk', 'ru']);
    expect(retryLanguages(plan, { language: 'en', segments: good })).toEqual(['kk', 'ru']);
    expect(retryLanguages(plan, { language: 'kk', segments: poor })).toEqual(['ru']);
    // a single-language whitelist is never retried
    expect(
      retryLanguages(requestLanguagesFor(['kk-KZ']), { language: 'tt', segments: poor }),
    ).toEqual([]);
    // without detection, the language sent is the one decoded in
    const none = requestLanguagesFor(['kk-KZ', 'ru-RU'], 'none');
    expect(retryLanguages(none, { language: 'kk', segments: poor })).toEqual(['ru']);
  });

  it('bestAttempt keeps the highest duration-weighted score; unknown loses to known', () => {
    const attempt = (language: string, avgLogprob?: number) => ({
      language,
      parsed: { text: 'x', segments: [seg({ text: 'x', avgLogprob })] },
    });
    expect(bestAttempt([attempt('kk', -1.3), attempt('ru', -0.4)])?.language).toBe('ru');
    expect(bestAttempt([attempt('auto'), attempt('kk', -1.3)])?.language).toBe('kk');
    expect(bestAttempt([attempt('kk', -0.5), attempt('ru', -0.5)])?.language).toBe('kk');
    expect(bestAttempt([])).toBeUndefined();
  });
});

describe('hallucinations', () => {
  it("isNonSpeech is Whisper's rule: no_speech > 0.6 unless avg_logprob > -1", () => {
    expect(isNonSpeech({ noSpeechProb: 0.8, avgLogprob: -1.2 })).toBe(true);
    expect(isNonSpeech({ noSpeechProb: 0.8, avgLogprob: -0.5 })).toBe(false);
    expect(isNonSpeech({ noSpeechProb: 0.5, avgLogprob: -1.5 })).toBe(false);
    expect(isNonSpeech({ noSpeechProb: 0.8 })).toBe(true); // logprob unknown: no_speech decides
    expect(isNonSpeech({ avgLogprob: -2 })).toBe(false); // no_speech unknown: never silence
  });

  it('phrases match after normalising case, punctuation and whitespace', () => {
    expect(normalizeForMatch('  Субтитры   сделал DimaTorzok!')).toBe('субтитры сделал dimatorzok');
    expect(isKnownHallucination('Продолжение следует...')).toBe(true);
    expect(isKnownHallucination('продолжение следует')).toBe(true);
    expect(isKnownHallucination('Субтитры создавал DimaTorzok')).toBe(true);
    expect(isKnownHallucination('Редактор субтитров А. Семкин, корректор А. Егорова')).toBe(true);
    expect(isKnownHallucination('СПАСИБО ЗА ПРОСМОТР')).toBe(true);
    expect(isKnownHallucination('Thank you for watching.')).toBe(true);
    expect(isKnownHallucination('Спасибо за просмотр! Подписывайтесь на канал!')).toBe(true);
    // a phrase inside real speech is not a match
    expect(isKnownHallucination('Продолжение следует в следующем выпуске новостей')).toBe(false);
    expect(isKnownHallucination('Спасибо')).toBe(false);
  });

  it('annotations are recognised', () => {
    expect(isAnnotationOnly('[BLANK_AUDIO]')).toBe(true);
    expect(isAnnotationOnly(' [музыка] ')).toBe(true);
    expect(isAnnotationOnly('*OUTRO MUSIC*')).toBe(true);
    expect(isAnnotationOnly('♪♪')).toBe(true);
    expect(isAnnotationOnly('[музыка] Сәлем')).toBe(false);
  });

  it('drops a weakly supported known phrase and keeps a confident "Спасибо за просмотр"', () => {
    const real = seg({
      startSeconds: 0,
      endSeconds: 8,
      text: 'Жаңалықтар аяқталды.',
      avgLogprob: -0.3,
      noSpeechProb: 0.02,
    });
    const tail = seg({
      startSeconds: 8,
      endSeconds: 30,
      text: 'Продолжение следует...',
      avgLogprob: -0.9,
      noSpeechProb: 0.45,
    });
    const credit = seg({
      startSeconds: 30,
      endSeconds: 32,
      text: 'Субтитры сделал DimaTorzok',
      avgLogprob: -0.5,
      noSpeechProb: 0.35,
    });
    const newsroom = seg({
      startSeconds: 32,
      endSeconds: 34,
      text: 'Спасибо за просмотр!',
      avgLogprob: -0.15,
      noSpeechProb: 0.02,
    });
    const { kept, dropped } = dropHallucinations([real, tail, credit, newsroom]);
    expect(kept).toEqual([real, newsroom]);
    expect(dropped).toEqual([
      { segment: tail, reason: 'known_phrase' },
      { segment: credit, reason: 'known_phrase' },
    ]);
  });

  it('speech spans decide for a confident phrase outside detected speech, and rescue score-less ones', () => {
    const phrase = seg({
      startSeconds: 20,
      endSeconds: 22,
      text: 'Спасибо за просмотр!',
      avgLogprob: -0.2,
      noSpeechProb: 0.05,
    });
    expect(dropHallucinations([phrase], [{ startSeconds: 0, endSeconds: 10 }]).dropped).toEqual([
      { segment: phrase, reason: 'known_phrase' },
    ]);
    expect(dropHallucinations([phrase], [{ startSeconds: 19, endSeconds: 23 }]).kept).toEqual([
      phrase,
    ]);

    // diarized_json has no scores: without spans nothing vouches for it, with spans it survives
    const diarized = parseTranscription(
      {
        ...OPENAI_DIARIZED,
        segments: [{ ...OPENAI_DIARIZED.segments[0], text: 'Спасибо за просмотр!' }],
      },
      { format: 'diarized_json' },
    ).segments;
    expect(dropHallucinations(diarized).dropped.map((d) => d.reason)).toEqual(['known_phrase']);
    expect(dropHallucinations(diarized, [{ startSeconds: 0, endSeconds: 5 }]).kept).toHaveLength(1);
  });

  it('drops compression_ratio 2.6 as repetitive, silence by Whisper, annotations and empties', () => {
    const loop = seg({
      text: 'Я не знаю. Я не знаю. Я не знаю.',
      avgLogprob: -0.4,
      compressionRatio: 2.6,
    });
    const silence = seg({ text: 'Сәлем', avgLogprob: -1.3, noSpeechProb: 0.9 });
    const blank = seg({ text: '[BLANK_AUDIO]' });
    const dots = seg({ text: '...' });
    const ok = seg({ text: 'Сәлем', avgLogprob: -0.3, compressionRatio: 0.8, noSpeechProb: 0.1 });
    const { kept, dropped } = dropHallucinations([loop, silence, blank, dots, ok]);
    expect(kept).toEqual([ok]);
    expect(dropped.map((d) => d.reason)).toEqual([
      'repetitive',
      'non_speech',
      'annotation',
      'empty',
    ]);
  });

  it('without a reported ratio (whisper.cpp), a long loop is measured; a short "да, да, да" is kept', () => {
    const loop = 'Я не знаю. '.repeat(8).trim();
    expect(compressionRatioOf(loop)).toBeGreaterThan(2.4);
    const yes = 'Да, да, да, да, да, да, да, да, да.';
    expect(compressionRatioOf(yes)).toBeGreaterThan(2.4); // why short texts are not measured
    const { kept, dropped } = dropHallucinations([
      seg({ text: loop, avgLogprob: -0.4 }),
      seg({ text: yes, avgLogprob: -0.4 }),
    ]);
    expect(dropped.map((d) => d.reason)).toEqual(['repetitive']);
    expect(kept.map((s) => s.text)).toEqual([yes]);
  });

  it('end to end: a whisper.cpp answer with a hallucinated tail', () => {
    const body = {
      ...WHISPER_CPP_VERBOSE,
      segments: [
        WHISPER_CPP_VERBOSE.segments[0],
        {
          id: 1,
          text: ' Продолжение следует...',
          start: 1.8,
          end: 30.0,
          tokens: [],
          words: [],
          temperature: 0.0,
          avg_logprob: -0.95,
          no_speech_prob: 0.52,
        },
      ],
    };
    const parsed = parseTranscription(body, { format: 'verbose_json' });
    const { kept, dropped } = dropHallucinations(parsed.segments);
    expect(kept.map((s) => s.text)).toEqual(['Сәлем, достар!']);
    expect(dropped.map((d) => [d.segment.text, d.reason])).toEqual([
      ['Продолжение следует...', 'known_phrase'],
    ]);
  });

  it('scoreTranscription is the duration-weighted mean avg_logprob; looksWrongLanguage below -1', () => {
    const parsed = {
      segments: [
        seg({ startSeconds: 0, endSeconds: 1, text: 'a', avgLogprob: -0.2 }),
        seg({ startSeconds: 1, endSeconds: 4, text: 'b', avgLogprob: -1.0 }),
        seg({ startSeconds: 4, endSeconds: 9, text: 'c' }), // unknown: left out
      ],
    };
    expect(scoreTranscription(parsed)).toBeCloseTo(-0.8, 10);
    expect(looksWrongLanguage(parsed)).toBe(false);
    expect(looksWrongLanguage(parsed, -0.5)).toBe(true);
    expect(scoreTranscription({ segments: [] })).toBeUndefined();
    // zero-length scored segments: plain mean
    expect(
      scoreTranscription({
        segments: [
          seg({ startSeconds: 1, endSeconds: 1, text: 'a', avgLogprob: -0.4 }),
          seg({ startSeconds: 2, endSeconds: 2, text: 'b', avgLogprob: -0.8 }),
        ],
      }),
    ).toBeCloseTo(-0.6, 10);
    expect(
      scoreTranscription(parseTranscription(OPENAI_VERBOSE, { format: 'verbose_json' })),
    ).toBeCloseTo((-0.31 * 2.4 + -0.45 * 3.8) / 6.2, 10);
  });
});
