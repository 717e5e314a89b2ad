/**
 * The getRecognition wire format of the SpeechKit test double ("SpeechKit v3 REST:
 * getRecognition response", §2.4): what a {@link Recognition} looks like on the wire.
 */
import { randomBytes } from 'node:crypto';
import type { Recognition } from './recognizer.js';

/** A SpeechKit-looking session uuid: four groups of 8 hex digits. */
export function sessionUuid(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 16)}-${h.slice(16, 24)}-${h.slice(24, 32)}`;
}

/**
 * Renders the getRecognition body: one compact `{"result":{...}}` per line, for each utterance the
 * triplet `final` → `finalRefinement` → `eouUpdate`, int64 values as strings, `channelTag` both
 * inside the AlternativeUpdate and at the result level, `languages:[{languageCode, probability}]`,
 * `confidence: 0` (§2.4 verbatim example shape).
 */
export function renderResultStream(
  recognition: Pick<Recognition, 'utterances' | 'durationMs'>,
  operationId: string,
  uuid = sessionUuid(),
): string {
  const s = (n: number) => String(Math.round(n));
  const lines: string[] = [];
  let wall = 120;
  for (const u of recognition.utterances) {
    const alternative = (text: string) => ({
      words: u.words.map((w) => ({
        text: w.text,
        startTimeMs: s(w.startMs),
        endTimeMs: s(w.endMs),
      })),
      text,
      startTimeMs: s(u.startMs),
      endTimeMs: s(u.endMs),
      confidence: 0,
      languages: [{ languageCode: u.language, probability: 0.93 }],
    });
    const cursors = (eou: number) => ({
      receivedDataMs: s(recognition.durationMs),
      resetTimeMs: '0',
      partialTimeMs: s(u.endMs),
      finalTimeMs: s(u.endMs),
      finalIndex: s(u.finalIndex),
      eouTimeMs: s(eou),
    });
    const base = { sessionUuid: { uuid, userRequestId: operationId } };
    wall += 37;
    lines.push(
      JSON.stringify({
        result: {
          ...base,
          audioCursors: cursors(0),
          responseWallTimeMs: s(wall),
          final: { alternatives: [alternative(u.rawText)], channelTag: u.channelTag },
          channelTag: u.channelTag,
        },
      }),
      JSON.stringify({
        result: {
          ...base,
          audioCursors: cursors(0),
          responseWallTimeMs: s(wall),
          finalRefinement: {
            finalIndex: s(u.finalIndex),
            normalizedText: {
              alternatives: [alternative(u.normalizedText)],
              channelTag: u.channelTag,
            },
          },
          channelTag: u.channelTag,
        },
      }),
      JSON.stringify({
        result: {
          ...base,
          audioCursors: cursors(u.endMs),
          responseWallTimeMs: s(wall + 1),
          eouUpdate: { timeMs: s(u.endMs) },
          channelTag: u.channelTag,
        },
      }),
    );
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}
