/**
 * The MEDIA_TOO_LONG message says by how much a recording is over the limit in words a person
 * can act on, also when the two round to the same figure.
 */
import { tooLongError } from '../../../src/media/probe.js';

test('names both lengths when they differ', () => {
  const err = tooLongError(14_400, 5 * 3600 + 120);
  expect(err.message).toBe(
    'The recording is 5 h 2 min long; the limit is 4 h. Split it into shorter parts and upload them one by one.',
  );
  expect(err).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'MEDIA_TOO_LONG' });
});

test('says how far over it is when the lengths round to the same figure', () => {
  expect(tooLongError(14_400, 14_400.42).message).toBe(
    'The recording is 0.4 s longer than the 4 h limit. Trim the end, or split it into shorter parts and upload them one by one.',
  );
});

test('without a known length, names the limit', () => {
  expect(tooLongError(3600).message).toBe(
    'The recording is longer than the 1 h limit. Split it into shorter parts and upload them one by one.',
  );
});
