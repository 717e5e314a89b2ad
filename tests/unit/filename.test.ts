import { sanitizeFilename } from '../../src/services/filename.js';

test('keeps Kazakh letters, composes them (NFC), strips directories, controls and bidi overrides', () => {
  expect(sanitizeFilename('Қоңырау_әңгіме.mp3')).toBe('Қоңырау_әңгіме.mp3');
  expect(sanitizeFilename('../../etc/passwd')).toBe('passwd');
  expect(sanitizeFilename('C:\\calls\\қоңырау.wav')).toBe('қоңырау.wav');
  expect(sanitizeFilename('invoice\u202Egpj.exe')).toBe('invoicegpj.exe');
  expect(sanitizeFilename('a\u0000b\nc.wav')).toBe('abc.wav');
  expect(sanitizeFilename('и\u0306.wav')).toBe('й.wav');
  expect(sanitizeFilename('')).toBe('recording');
  expect(sanitizeFilename('..')).toBe('recording');
  expect([...sanitizeFilename('ә'.repeat(400) + '.wav')]).toHaveLength(255);
});
