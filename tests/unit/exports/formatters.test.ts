import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  buildCues,
  EXPORT_FORMAT_REGISTRY,
  EXPORT_FORMATS,
  exportFilename,
  formatTimecode,
  renderExport,
  toMilliseconds,
  type ExportDocument,
  type ExportFormat,
  type ExportOptionsInput,
  type ExportSegment,
  type TranscriptJson,
} from '../../../src/exports/index.js';

const execFileAsync = promisify(execFile);

/**
 * These tests predate export options (issue 13): they render with English headers and labels
 * (the default locale is now `kk`, tested in script.test.ts and goldens.test.ts).
 */
const render = (doc: ExportDocument, format: ExportFormat, options: ExportOptionsInput = {}) =>
  renderExport(doc, format, { locale: 'en', ...options });

const KAZAKH = 'ә ғ қ ң ө ұ ү һ і Ә Ғ Қ Ң Ө Ұ Ү Һ І';

function seg(
  partial: Partial<ExportSegment> & Pick<ExportSegment, 'index' | 'start' | 'end' | 'text'>,
): ExportSegment {
  return {
    speakerTag: '0',
    speakerLabel: 'Speaker 1',
    language: 'kk-KZ',
    words: [],
    ...partial,
  };
}

function makeDoc(
  segments: ExportSegment[],
  overrides: Partial<ExportDocument> = {},
): ExportDocument {
  return {
    jobId: 'job-1',
    filename: 'интервью.mp3',
    durationSeconds: 3725.5,
    languages: ['kk-KZ', 'ru-RU'],
    speakers: [
      { tag: '0', label: 'Айгүл Серікова', speakingSeconds: 10.5, segmentCount: 2 },
      { tag: '1', label: 'Speaker 2', speakingSeconds: 4.25, segmentCount: 1 },
    ],
    segments,
    createdAt: new Date('2026-01-02T03:04:05.000Z'),
    completedAt: new Date('2026-01-02T03:09:00.000Z'),
    ...overrides,
  };
}

/** A small two-speaker interview, speaker "0" renamed. */
const interview = (): ExportDocument =>
  makeDoc([
    seg({ index: 0, start: 0, end: 2.5, text: 'Сәлеметсіз бе!', speakerLabel: 'Айгүл Серікова' }),
    seg({
      index: 1,
      start: 2.5,
      end: 4.0004,
      text: 'Қалыңыз қалай?',
      speakerLabel: 'Айгүл Серікова',
    }),
    seg({
      index: 2,
      start: 3725,
      end: 3729.25,
      text: 'Спасибо, хорошо.',
      speakerTag: '1',
      speakerLabel: 'Speaker 2',
      language: 'ru-RU',
    }),
  ]);

/** Cue blocks of an SRT or VTT file (without the WEBVTT header). */
const blocks = (subtitle: string): string[] =>
  subtitle
    .replace(/^WEBVTT\n\n/, '')
    .split(/\n\n/)
    .filter((b) => b.trim() !== '');

describe('time codes', () => {
  test('round to whole milliseconds, half up, never negative', () => {
    expect(toMilliseconds(3599.9995)).toBe(3_600_000);
    expect(toMilliseconds(1.0005)).toBe(1001);
    expect(toMilliseconds(2.0004)).toBe(2000);
    expect(toMilliseconds(0.0005)).toBe(1);
    expect(toMilliseconds(-3)).toBe(0);
    expect(toMilliseconds(Number.NaN)).toBe(0);
    expect(toMilliseconds(Number.POSITIVE_INFINITY)).toBe(0);
  });

  test('formats HH:MM:SS with the SRT comma or the VTT dot, hours always present', () => {
    expect(formatTimecode(0, ',')).toBe('00:00:00,000');
    expect(formatTimecode(3_600_000, ',')).toBe('01:00:00,000');
    expect(formatTimecode(3_725_500, '.')).toBe('01:02:05.500');
    expect(formatTimecode(36_000_001, '.')).toBe('10:00:00.001');
  });
});

describe('SRT', () => {
  test('exact output: numbered cues, comma times, label prefixes, blank line between cues', () => {
    expect(render(interview(), 'SRT')).toBe(
      [
        '1',
        '00:00:00,000 --> 00:00:02,500',
        'Айгүл Серікова: Сәлеметсіз бе!',
        '',
        '2',
        '00:00:02,500 --> 00:00:04,000',
        'Айгүл Серікова: Қалыңыз қалай?',
        '',
        '3',
        '01:02:05,000 --> 01:02:09,250',
        'Speaker 2: Спасибо, хорошо.',
        '',
        '',
      ].join('\n'),
    );
  });

  test('rounds 3599.9995 s to 01:00:00,000, clamps negative starts and ends before starts', () => {
    const srt = render(
      makeDoc([
        seg({ index: 0, start: -1, end: 0.0004, text: 'бір' }),
        seg({ index: 1, start: 3599.9995, end: 3601.1234, text: 'екі' }),
        seg({ index: 2, start: 3605, end: 3604, text: 'үш' }),
      ]),
      'SRT',
    );
    expect(srt).toContain('1\n00:00:00,000 --> 00:00:00,000\nSpeaker 1: бір\n');
    expect(srt).toContain('2\n01:00:00,000 --> 01:00:01,123\n');
    expect(srt).toContain('3\n01:00:05,000 --> 01:00:05,000\n');
  });

  test('falls back to the document speaker label, then to "Speaker N"', () => {
    const srt = render(
      makeDoc([
        seg({ index: 0, start: 0, end: 1, text: 'а', speakerLabel: '' }),
        seg({ index: 1, start: 1, end: 2, text: 'б', speakerTag: '4', speakerLabel: ' ' }),
      ]),
      'SRT',
    );
    expect(srt).toContain('Айгүл Серікова: а');
    expect(srt).toContain('Speaker 5: б');
  });

  test('Kazakh and Cyrillic letters survive byte-exactly in UTF-8', () => {
    const label = 'Әлия Ғабитқызы Үмбетова';
    const srt = render(
      makeDoc([
        seg({ index: 0, start: 0, end: 3, text: `${KAZAKH} Щука ёж`, speakerLabel: label }),
      ]),
      'SRT',
      { maxLineChars: 120 },
    );
    const bytes = Buffer.from(srt, 'utf8');
    expect(bytes.includes(Buffer.from(`${label}: ${KAZAKH} Щука ёж`, 'utf8'))).toBe(true);
    expect(Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes)).toBe(true);
  });

  test('multi-line and whitespace-only text never breaks the cue structure', () => {
    const srt = render(
      makeDoc([
        seg({ index: 0, start: 0, end: 1, text: 'бір\n\nекі\r\nүш' }),
        seg({ index: 1, start: 1, end: 2, text: '  \n ' }),
        seg({ index: 2, start: 2, end: 3, text: 'төрт' }),
      ]),
      'SRT',
    );
    expect(blocks(srt)).toEqual([
      '1\n00:00:00,000 --> 00:00:01,000\nАйгүл Серікова: бір екі үш'.replace(
        'Айгүл Серікова',
        'Speaker 1',
      ),
      '2\n00:00:02,000 --> 00:00:03,000\nSpeaker 1: төрт',
    ]);
  });
});

describe('VTT', () => {
  test('exact output: WEBVTT header, dot times with hours, voice tags', () => {
    expect(render(interview(), 'VTT')).toBe(
      [
        'WEBVTT',
        '',
        '1',
        '00:00:00.000 --> 00:00:02.500',
        '<v Айгүл Серікова>Сәлеметсіз бе!',
        '',
        '2',
        '00:00:02.500 --> 00:00:04.000',
        '<v Айгүл Серікова>Қалыңыз қалай?',
        '',
        '3',
        '01:02:05.000 --> 01:02:09.250',
        '<v Speaker 2>Спасибо, хорошо.',
        '',
        '',
      ].join('\n'),
    );
  });

  test('rounds 3599.9995 s to 01:00:00.000', () => {
    const vtt = render(
      makeDoc([seg({ index: 0, start: 3599.9995, end: 3600.5, text: 'x' })]),
      'VTT',
    );
    expect(vtt).toContain('01:00:00.000 --> 01:00:00.500');
  });

  test('escapes &, < and > in cue text; voice names never contain >', () => {
    const vtt = render(
      makeDoc([
        seg({
          index: 0,
          start: 0,
          end: 2,
          text: 'a < b && c > d <i>',
          speakerLabel: 'Tom <boss> & Co',
        }),
      ]),
      'VTT',
    );
    const cueText = blocks(vtt)[0].split('\n')[2];
    expect(cueText).toBe('<v Tom ‹boss› ＆ Co>a &lt; b &amp;&amp; c &gt; d &lt;i&gt;');
    const voice = /^<v ([^>]*)>/.exec(cueText)![1];
    expect(voice).not.toMatch(/[<>&]/);
  });

  test('Kazakh voice names survive byte-exactly', () => {
    const label = 'Нұрлан Әбдіхалық';
    const vtt = render(
      makeDoc([seg({ index: 0, start: 0, end: 3, text: KAZAKH, speakerLabel: label })]),
      'VTT',
      { maxLineChars: 120 },
    );
    expect(Buffer.from(vtt, 'utf8').includes(Buffer.from(`<v ${label}>${KAZAKH}`, 'utf8'))).toBe(
      true,
    );
  });
});

describe('splitting long cues', () => {
  const sentence =
    'Біз бүгін Алматы қаласындағы жаңа мектептің ашылуы туралы әңгімелесеміз және оның оқушылары мен мұғалімдерімен кездесеміз';

  test('uses word timings to split a 20 s segment into pieces of at most 7 s and 84 characters', () => {
    const tokens = sentence.split(' ');
    const step = 20 / tokens.length;
    const words = tokens.map((text, i) => ({
      text,
      start: 10 + i * step,
      end: 10 + (i + 1) * step - 0.05,
    }));
    const doc = makeDoc([
      seg({ index: 0, start: 10, end: 30, text: sentence, words, speakerLabel: 'Айгүл Серікова' }),
    ]);
    const cues = buildCues(doc);
    expect(cues.length).toBeGreaterThanOrEqual(3);
    expect(cues.map((c) => c.text).join(' ')).toBe(sentence);
    expect(cues[0].startMs).toBe(10_000);
    expect(cues.at(-1)!.endMs).toBe(30_000);
    let prevEnd = 0;
    for (const cue of cues) {
      expect(cue.speakerLabel).toBe('Айгүл Серікова');
      expect(cue.endMs - cue.startMs).toBeLessThanOrEqual(7000);
      expect([...cue.text].length).toBeLessThanOrEqual(84);
      expect(cue.startMs).toBeGreaterThanOrEqual(prevEnd);
      expect(cue.endMs).toBeGreaterThanOrEqual(cue.startMs);
      prevEnd = cue.endMs;
    }
    // Cuts fall on word boundaries taken from the word timings.
    const second = cues[1];
    const firstWord = words.find((w) => w.text === second.text.split(' ')[0])!;
    expect(second.startMs).toBe(toMilliseconds(firstWord.start));

    const srt = render(doc, 'SRT');
    for (const block of blocks(srt)) {
      expect(block.split('\n')[2]).toMatch(/^Айгүл Серікова: /);
    }
    const vtt = render(doc, 'VTT');
    for (const block of blocks(vtt)) {
      expect(block.split('\n')[2]).toMatch(/^<v Айгүл Серікова>/);
    }
  });

  test('counts the lead-in before the first word against the first piece', () => {
    const tokens = sentence.split(' ');
    const words = tokens.map((text, i) => ({ text, start: 12 + i, end: 12.9 + i }));
    const cues = buildCues(
      makeDoc([seg({ index: 0, start: 8, end: 12 + tokens.length, text: sentence, words })]),
    );
    expect(cues[0].startMs).toBe(8000);
    for (const cue of cues) {
      expect(cue.endMs - cue.startMs).toBeLessThanOrEqual(7000);
    }
  });

  test('splits by characters with interpolated times when there are no word timings', () => {
    const text = `${sentence} ${sentence}`;
    const cues = buildCues(makeDoc([seg({ index: 0, start: 0, end: 6, text })]));
    expect(cues.length).toBeGreaterThanOrEqual(3);
    expect(cues.map((c) => c.text).join(' ')).toBe(text);
    expect(cues[0].startMs).toBe(0);
    expect(cues.at(-1)!.endMs).toBe(6000);
    for (const [i, cue] of cues.entries()) {
      expect([...cue.text].length).toBeLessThanOrEqual(84);
      if (i > 0) {
        expect(cue.startMs).toBe(cues[i - 1].endMs); // contiguous
      }
    }
  });

  test('splits a long but short-texted segment by time', () => {
    const cues = buildCues(
      makeDoc([seg({ index: 0, start: 0, end: 20, text: 'бір екі үш төрт бес алты жеті сегіз' })]),
    );
    expect(cues.length).toBeGreaterThanOrEqual(3);
    expect(cues.length).toBeLessThanOrEqual(4);
    for (const cue of cues) {
      expect(cue.endMs - cue.startMs).toBeLessThanOrEqual(7000);
    }
  });

  test('ignores word timings that do not match the text word for word', () => {
    const cues = buildCues(
      makeDoc([
        seg({
          index: 0,
          start: 0,
          end: 14,
          text: 'бір екі үш төрт',
          words: [{ text: 'бір', start: 0, end: 1 }],
        }),
      ]),
    );
    expect(cues.map((c) => [c.startMs, c.endMs, c.text])).toEqual([
      // 15 characters over 14 s; 'бір екі' + 'үш төрт' would leave 7.47 s for the first piece.
      [0, 3_733, 'бір'],
      [3_733, 10_267, 'екі үш'],
      [10_267, 14_000, 'төрт'],
    ]);
  });

  test('keeps short segments whole', () => {
    expect(buildCues(interview())).toHaveLength(3);
  });
});

describe('TXT', () => {
  test('header, then [HH:MM:SS] Label: text with consecutive same-speaker segments grouped', () => {
    expect(render(interview(), 'TXT')).toBe(
      [
        'Transcript: интервью.mp3',
        'Duration: 01:02:05',
        'Date: 2 January 2026 at 03:04 UTC',
        'Languages: Kazakh, Russian',
        'Speakers: Айгүл Серікова, Speaker 2',
        '',
        '[00:00:00] Айгүл Серікова: Сәлеметсіз бе! Қалыңыз қалай?',
        '',
        '[01:02:05] Speaker 2: Спасибо, хорошо.',
        '',
      ].join('\n'),
    );
  });

  test('a speaker change in between starts a new paragraph; unknown header fields are omitted', () => {
    const txt = render(
      makeDoc(
        [
          seg({ index: 0, start: 0, end: 1, text: 'а' }),
          seg({
            index: 1,
            start: 1,
            end: 2,
            text: 'б',
            speakerTag: '1',
            speakerLabel: 'Speaker 2',
          }),
          seg({ index: 2, start: 59.9, end: 61, text: 'в' }),
        ],
        { durationSeconds: null, languages: [], speakers: [] },
      ),
      'TXT',
    );
    expect(txt).toBe(
      'Transcript: интервью.mp3\nDate: 2 January 2026 at 03:04 UTC\n\n[00:00:00] Speaker 1: а\n\n[00:00:01] Speaker 2: б\n\n[00:00:59] Speaker 1: в\n',
    );
  });
});

describe('JSON', () => {
  test('round-trips the documented shape', () => {
    const doc = interview();
    doc.segments[0].words = [
      { text: 'Сәлеметсіз', start: 0.1, end: 1.2 },
      { text: 'бе!', start: 1.25, end: 2.4 },
    ];
    const parsed = JSON.parse(render(doc, 'JSON')) as TranscriptJson;
    expect(parsed).toEqual({
      schemaVersion: 1,
      jobId: 'job-1',
      filename: 'интервью.mp3',
      durationSeconds: 3725.5,
      languages: ['kk-KZ', 'ru-RU'],
      createdAt: '2026-01-02T03:04:05.000Z',
      completedAt: '2026-01-02T03:09:00.000Z',
      speakers: doc.speakers,
      script: 'ORIGINAL',
      segments: [
        {
          index: 0,
          speaker: { tag: '0', label: 'Айгүл Серікова' },
          start: 0,
          end: 2.5,
          text: 'Сәлеметсіз бе!',
          language: 'kk-KZ',
          words: doc.segments[0].words,
        },
        {
          index: 1,
          speaker: { tag: '0', label: 'Айгүл Серікова' },
          start: 2.5,
          end: 4,
          text: 'Қалыңыз қалай?',
          language: 'kk-KZ',
          words: [],
        },
        {
          index: 2,
          speaker: { tag: '1', label: 'Speaker 2' },
          start: 3725,
          end: 3729.25,
          text: 'Спасибо, хорошо.',
          language: 'ru-RU',
          words: [],
        },
      ],
    });
    expect(Object.keys(parsed)).toEqual([
      'schemaVersion',
      'jobId',
      'filename',
      'durationSeconds',
      'languages',
      'createdAt',
      'completedAt',
      'speakers',
      'segments',
      'script',
    ]);
  });

  test('is pretty-printed, null-safe and stable', () => {
    const doc = makeDoc([], { durationSeconds: null, completedAt: null });
    const json = render(doc, 'JSON');
    expect(json).toMatch(/^\{\n {2}"schemaVersion": 1,\n {2}"jobId": "job-1",/);
    expect(json.endsWith('}\n')).toBe(true);
    expect(json).toBe(render(doc, 'JSON'));
    const parsed = JSON.parse(json) as TranscriptJson;
    expect(parsed.durationSeconds).toBeNull();
    expect(parsed.completedAt).toBeNull();
    expect(parsed.segments).toEqual([]);
  });
});

describe('file types and names', () => {
  test('extensions and content types', () => {
    const types = Object.fromEntries(
      EXPORT_FORMATS.map((f) => {
        const { extension, mimeType, binary } = EXPORT_FORMAT_REGISTRY[f];
        return [f, { extension, mimeType, binary }];
      }),
    );
    expect(types).toEqual({
      TXT: { extension: 'txt', mimeType: 'text/plain; charset=utf-8', binary: false },
      DOCX: {
        extension: 'docx',
        mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        binary: true,
      },
      SRT: { extension: 'srt', mimeType: 'application/x-subrip; charset=utf-8', binary: false },
      VTT: { extension: 'vtt', mimeType: 'text/vtt; charset=utf-8', binary: false },
      TSV: {
        extension: 'tsv',
        mimeType: 'text/tab-separated-values; charset=utf-8',
        binary: false,
      },
      JSON: { extension: 'json', mimeType: 'application/json; charset=utf-8', binary: false },
    });
    expect(EXPORT_FORMATS).toEqual(['TXT', 'DOCX', 'SRT', 'VTT', 'TSV', 'JSON']);
  });

  test.each<[string, ExportFormat, string]>([
    ['интервью.mp3', 'SRT', 'интервью.srt'],
    ['Сұхбат әңгіме ғұмыр қөңүһі.wav', 'VTT', 'Сұхбат әңгіме ғұмыр қөңүһі.vtt'],
    ['meeting.2024.01.ogg', 'TXT', 'meeting.2024.01.txt'],
    ['no-extension', 'JSON', 'no-extension.json'],
    ['../../etc/passwd', 'SRT', 'passwd.srt'],
    ['C:\\Users\\Әлия\\жазба.m4a', 'SRT', 'жазба.srt'],
    ['evil\u0000\r\nname.mp3', 'TXT', 'evilname.txt'],
    ['gpj\u202Eexe.mp3', 'SRT', 'gpjexe.srt'],
    ['a<b>:"c|d?*.mp3', 'SRT', 'abcd.srt'],
    ['  .hidden  .mp3', 'SRT', 'hidden.srt'],
    ['.mp3', 'SRT', 'mp3.srt'],
    ['', 'SRT', 'transcript.srt'],
    ['...', 'VTT', 'transcript.vtt'],
    ['/', 'TXT', 'transcript.txt'],
    ['CON.mp3', 'TXT', 'CON_.txt'],
    ['й'.normalize('NFD') + '.mp3', 'SRT', 'й.srt'],
  ])('%j as %s → %j', (input, format, expected) => {
    expect(exportFilename(input, format)).toBe(expected);
  });

  test('long names are cut to 100 characters', () => {
    const name = exportFilename(`${'ә'.repeat(300)}.mp3`, 'SRT');
    expect(name).toBe(`${'ә'.repeat(100)}.srt`);
  });
});

describe('renderExport', () => {
  test('rejects an unknown format from an untyped caller', () => {
    expect(() => render(interview(), 'PDF' as ExportFormat)).toThrow(/Unknown export format/);
    expect(() => render(interview(), 'DOCX')).toThrow(/binary.*exportUrl/);
  });

  test('empty transcript renders to valid empty files', () => {
    const empty = makeDoc([]);
    expect(render(empty, 'SRT')).toBe('');
    expect(render(empty, 'VTT')).toBe('WEBVTT\n\n');
    expect(render(empty, 'TXT')).toMatch(/^Transcript: интервью\.mp3\n/);
  });
});

describe('real parser (ffmpeg) accepts the subtitles', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kazru-exports-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const longText =
    'Біз бүгін Алматы қаласындағы жаңа мектептің ашылуы туралы әңгімелесеміз және оның оқушылары мен мұғалімдерімен кездесеміз';
  const doc = (): ExportDocument =>
    makeDoc([
      seg({
        index: 0,
        start: 0,
        end: 2.5,
        text: `Сәлем! ${KAZAKH}`,
        speakerLabel: 'Айгүл Серікова',
      }),
      seg({
        index: 1,
        start: 2.5,
        end: 5,
        text: 'Tom & Jerry < 3 > 2',
        speakerTag: '1',
        speakerLabel: 'Speaker 2',
      }),
      seg({ index: 2, start: 10, end: 30, text: longText, speakerLabel: 'Айгүл Серікова' }),
      seg({
        index: 3,
        start: 3599.9995,
        end: 3601.25,
        text: 'Спасибо, хорошо.',
        speakerTag: '1',
        speakerLabel: 'Speaker 2',
      }),
    ]);

  async function ffmpegRoundTrip(
    file: string,
    content: string,
    outFormat: string,
  ): Promise<string> {
    const full = path.join(dir, file);
    await writeFile(full, content, 'utf8');
    expect(await readFile(full)).toEqual(Buffer.from(content, 'utf8'));
    // Throws (rejecting the test) when ffmpeg exits non-zero.
    const { stdout, stderr } = await execFileAsync(
      'ffmpeg',
      ['-nostdin', '-v', 'error', '-i', full, '-f', outFormat, '-'],
      { encoding: 'utf8' },
    );
    expect(stderr).toBe('');
    return stdout;
  }

  test('SRT: ffmpeg parses every cue and keeps the text', async () => {
    const d = doc();
    const srt = render(d, 'SRT', { maxLineChars: 120 });
    const expectedCues = blocks(srt);
    expect(expectedCues.length).toBeGreaterThan(4); // the long segment was split
    const out = await ffmpegRoundTrip('export.srt', srt, 'srt');
    expect(out.match(/-->/g)?.length).toBe(expectedCues.length);
    expect(out).toContain(`Айгүл Серікова: Сәлем! ${KAZAKH}`);
    expect(out).toContain('Speaker 2: Tom & Jerry < 3 > 2');
    expect(out).toContain('01:00:00,000 --> 01:00:01,250');
    expect(out).toContain('Speaker 2: Спасибо, хорошо.');
  });

  test('VTT: ffmpeg parses every cue, decodes the escapes and drops the voice tags', async () => {
    const d = doc();
    const vtt = render(d, 'VTT');
    const expectedCues = blocks(vtt);
    const out = await ffmpegRoundTrip('export.vtt', vtt, 'webvtt');
    expect(out.match(/-->/g)?.length).toBe(expectedCues.length);
    expect(out).toContain(`\nСәлем! ${KAZAKH}\n`);
    expect(out).toContain('\nTom & Jerry < 3 > 2\n');
    expect(out).toContain('01:00:00.000 --> 01:00:01.250');
    expect(out).not.toContain('Айгүл'); // the voice annotation did not leak into the text
  });

  test('a malformed subtitle file is rejected (the check has teeth)', async () => {
    await expect(
      ffmpegRoundTrip('broken.srt', 'not a subtitle\n\nat all\n', 'srt'),
    ).rejects.toThrow();
  });
});
