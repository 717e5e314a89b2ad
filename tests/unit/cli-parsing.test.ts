/**
 * The CLI's pure parts: exit codes of GraphQL error codes and HTTP statuses, flag values in the
 * CLI's spelling turned into schema values, export file names from Content-Disposition (never a
 * path), and the tables people read.
 */
import { enumValue, positiveInt } from '../../src/cli/context.js';
import { CliError, EXIT, exitCodeFor } from '../../src/cli/errors.js';
import { fileName, parseFormats, parseScript } from '../../src/cli/exports.js';
import { duration, table } from '../../src/cli/output.js';
import { parseInstant } from '../../src/cli/commands/usage.js';

test.each([
  ['UNAUTHENTICATED', undefined, EXIT.AUTH],
  ['FORBIDDEN', undefined, EXIT.AUTH],
  ['NOT_FOUND', undefined, EXIT.NOT_FOUND],
  ['BAD_USER_INPUT', 400, EXIT.USAGE],
  ['PAYLOAD_TOO_LARGE', 413, EXIT.USAGE],
  ['RATE_LIMITED', 429, EXIT.RETRY_LATER],
  ['QUOTA_EXCEEDED', undefined, EXIT.RETRY_LATER],
  ['INTERNAL_SERVER_ERROR', 500, EXIT.UNREACHABLE],
  [undefined, 401, EXIT.AUTH],
  [undefined, 404, EXIT.NOT_FOUND],
  [undefined, 502, EXIT.UNREACHABLE],
])('code %s (HTTP %s) exits %d', (code, status, exit) => {
  expect(exitCodeFor(code, status)).toBe(exit);
});

test('flag values in CLI spelling become schema values; others are usage errors', () => {
  expect(enumValue('--diarization', 'speaker-labeling', ['AUTO', 'SPEAKER_LABELING'])).toBe(
    'SPEAKER_LABELING',
  );
  expect(enumValue('--events', 'job.completed', ['JOB_COMPLETED'])).toBe('JOB_COMPLETED');
  expect(() => enumValue('--diarization', 'stereo', ['AUTO', 'CHANNELS'])).toThrow(
    /--diarization "stereo" is not one of auto, channels/,
  );
  expect(parseFormats('srt, DOCX')).toEqual(['SRT', 'DOCX']);
  expect(parseScript('kazakh-latin-2021')).toBe('KAZAKH_LATIN_2021');
  expect(parseScript('BGN_PCGN')).toBe('BGN_PCGN');
  for (const bad of [() => parseFormats('pdf'), () => positiveInt('--first', '0')]) {
    expect(bad).toThrow(CliError);
    try {
      bad();
    } catch (err) {
      expect((err as CliError).exitCode).toBe(EXIT.USAGE);
    }
  }
  expect(parseInstant('--from', '2026-12-01')).toBe('2026-12-01T00:00:00.000Z');
  expect(() => parseInstant('--from', 'last week')).toThrow(/YYYY-MM-DD/);
});

test('export file names come from Content-Disposition, without any directory part', () => {
  const kk = encodeURIComponent('интервью-latn.docx');
  expect(fileName(`attachment; filename="x.docx"; filename*=UTF-8''${kk}`, 'f')).toBe(
    'интервью-latn.docx',
  );
  expect(fileName('attachment; filename="call.srt"', 'f')).toBe('call.srt');
  expect(
    fileName(`attachment; filename*=UTF-8''${encodeURIComponent('../../etc/passwd')}`, 'f'),
  ).toBe('passwd');
  expect(fileName('attachment; filename="..\\\\win.txt"', 'f')).toBe('win.txt');
  expect(fileName(null, 'job.txt')).toBe('job.txt');
});

test('tables align columns by characters (Cyrillic included) and show nulls as -', () => {
  expect(
    table(
      ['ID', 'FILE'],
      [
        ['1', 'диалог.ogg'],
        ['22', null],
      ],
    ),
  ).toBe('ID  FILE\n1   диалог.ogg\n22  -\n');
  expect(
    table(
      ['FILE', 'N'],
      [
        ['диалог', 1],
        ['a', 22],
      ],
    ),
  ).toBe('FILE    N\nдиалог  1\na       22\n');
  expect(duration(3725.4)).toBe('1:02:05');
  expect(duration(65)).toBe('1:05');
  expect(duration(null)).toBeNull();
});
