/**
 * Upload file names are display text: NFC, no control/format/bidi characters, no directory part,
 * capped length that keeps the extension. (The same names through the real upload API are checked
 * in tests/security/hostile-media.test.ts.)
 */
import {
  MAX_FILENAME_LENGTH,
  sanitizeFilename,
  stripUnsafeChars,
} from '../../src/services/filename.js';

const codePoints = (s: string) => [...s].length;

test('keeps Kazakh and Russian letters and composes them (NFC)', () => {
  expect(sanitizeFilename('Қоңырау_әңгіме.mp3')).toBe('Қоңырау_әңгіме.mp3');
  expect(sanitizeFilename('Звонок клиенту.wav')).toBe('Звонок клиенту.wav');
  expect(sanitizeFilename('и\u0306.wav')).toBe('й.wav');
  // A zero-width character between letter and mark does not keep them apart.
  expect(sanitizeFilename('и\u200b\u0306.wav')).toBe('й.wav');
});

test('drops directory parts, whatever the separator', () => {
  expect(sanitizeFilename('../../etc/passwd')).toBe('passwd');
  expect(sanitizeFilename('C:\\calls\\қоңырау.wav')).toBe('қоңырау.wav');
  expect(sanitizeFilename('/')).toBe('recording');
});

test.each([
  ['right-to-left override', 'invoice\u202Egpj.exe', 'invoicegpj.exe'],
  ['bidi isolates and marks', 'a\u2066b\u2069\u200e\u200f\u061c.wav', 'ab.wav'],
  ['NUL, ESC, DEL, C1', 'a\u0000bc\u001b[31m\u007f\u0085.wav', 'abc[31m.wav'],
  ['zero-width and BOM', '\ufeffz\u200bw\u200dj\u2060.wav', 'zwj.wav'],
  ['private use', 'x\ue000\udb80\udc00y.wav', 'xy.wav'],
  ['lone surrogates', 'a\ud800b\udc00.wav', 'ab.wav'],
  ['soft hyphen and interlinear annotation', 'so\u00adft\ufff9x\ufffb.wav', 'softx.wav'],
])('removes %s', (_what, raw, clean) => {
  expect(sanitizeFilename(raw)).toBe(clean);
});

test('turns white space runs, line breaks included, into one space and trims', () => {
  expect(sanitizeFilename('  call\t\t01\u00a0\u3000final .mp3  ')).toBe('call 01 final .mp3');
  expect(sanitizeFilename('one\r\ntwo\u2028three\u2029.wav')).toBe('one two three .wav');
});

test('falls back to "recording" when nothing is left', () => {
  for (const raw of ['', '   ', '.', '..', '\u202e\u200b', null, undefined]) {
    expect(sanitizeFilename(raw)).toBe('recording');
  }
});

test('caps long names at 255 code points, keeping the start and the extension', () => {
  const long = sanitizeFilename('ә'.repeat(400) + '.wav');
  expect(codePoints(long)).toBe(MAX_FILENAME_LENGTH);
  expect(long.startsWith('әәә')).toBe(true);
  expect(long.endsWith('….wav')).toBe(true);
  // No extension worth keeping: just the start.
  const noExt = sanitizeFilename('x'.repeat(300));
  expect(codePoints(noExt)).toBe(MAX_FILENAME_LENGTH);
  expect(noExt.endsWith('…')).toBe(true);
  expect(sanitizeFilename('x'.repeat(255))).toBe('x'.repeat(255));
});

test('never splits a letter from its combining marks when shortening', () => {
  // "й" written decomposed with an extra mark that has no precomposed form: 3 code points each.
  const cluster = 'й\u0301';
  const long = sanitizeFilename(cluster.repeat(200) + '.mp3');
  expect(codePoints(long)).toBeLessThanOrEqual(MAX_FILENAME_LENGTH);
  const stem = long.slice(0, long.indexOf('…'));
  expect(stem.length % cluster.normalize('NFC').length).toBe(0);
  expect(long.endsWith('….mp3')).toBe(true);
});

test('speaker labels share the character policy', () => {
  expect(stripUnsafeChars('Оператор\u202e 1\n')).toBe('Оператор 1');
});
