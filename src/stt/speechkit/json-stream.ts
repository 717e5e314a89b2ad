/**
 * Splitting a stream of concatenated JSON values (the getRecognition body) into parsed values as
 * the text arrives.
 *
 * Source: "SpeechKit v3 REST: getRecognition response: envelope and event types" (§2.4): the body
 * is a sequence of JSON objects, printed pretty and concatenated in the docs, one per line in
 * practice; a robust client parses concatenated JSON values regardless of whitespace. A line
 * splitter (NDJSON, `readline`) would handle only the one-per-line form, so this scans for value
 * boundaries itself: one pass over the characters, tracking bracket depth and strings. It holds
 * only the value in progress (one StreamingResponse, a few KB), never the whole body.
 */
import { JobError } from '../../errors.js';

/** STT_RESULT_MALFORMED (not retryable) with `message`. */
export function malformed(message: string, cause?: unknown): JobError {
  return new JobError(
    'STT_RESULT_MALFORMED',
    `SpeechKit recognition result is malformed: ${message}`,
    false,
    cause === undefined ? undefined : { cause },
  );
}

/** Whitespace, comma or BOM: what may separate top-level values. */
function isSeparator(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x2c || c === 0xfeff;
}

/**
 * Incremental splitter: {@link push} text in pieces of any size (cut anywhere, even inside a
 * string or an escape) and get back the values completed so far; {@link end} when the text is
 * over. Accepts what {@link splitJsonValues} accepts: objects and arrays separated by whitespace
 * or commas (pretty-printed, NDJSON, or `}{` back to back); a top-level array contributes its
 * elements. Character positions in error messages count from the start of all text pushed.
 */
export class JsonValueSplitter {
  /** Text of the value in progress, from its first character ('' between values). */
  private pending = '';
  /** Absolute position of `pending[0]` (or of the next character, between values). */
  private offset = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;

  /**
   * @returns the values completed by this piece, in order.
   * @throws JobError STT_RESULT_MALFORMED on a top-level scalar or invalid JSON.
   */
  push(piece: string): unknown[] {
    const out: unknown[] = [];
    const text = this.pending + piece;
    let start = this.depth > 0 ? 0 : -1;
    for (let i = this.pending.length; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.depth === 0) {
        if (isSeparator(c)) continue;
        if (c !== 0x7b && c !== 0x5b) {
          throw malformed(
            `expected a JSON object at character ${this.offset + i}, found ${JSON.stringify(text.slice(i, i + 20))}`,
          );
        }
        start = i;
        this.depth = 1;
      } else if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
      } else if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if ((c === 0x7d || c === 0x5d) && --this.depth === 0) {
        const value = parseValue(text.slice(start, i + 1), this.offset + start);
        if (Array.isArray(value)) out.push(...(value as unknown[]));
        else out.push(value);
        start = -1;
      }
    }
    if (this.depth > 0) {
      this.pending = text.slice(start);
      this.offset += start;
    } else {
      this.pending = '';
      this.offset += text.length;
    }
    return out;
  }

  /** @throws JobError STT_RESULT_MALFORMED when the text ended inside a value. */
  end(): void {
    if (this.depth > 0) {
      throw malformed(`truncated JSON value starting at character ${this.offset}`);
    }
  }
}

function parseValue(text: string, at: number): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw malformed(`invalid JSON at character ${at}: ${(err as Error).message}`, err);
  }
}

/**
 * Splits text holding zero or more concatenated JSON objects/arrays into parsed values,
 * regardless of whitespace between or inside them (pretty-printed, NDJSON, or `}{` back to back).
 * Commas between top-level values are tolerated, and a top-level array contributes its elements.
 * @throws JobError STT_RESULT_MALFORMED on anything else (scalars, truncation, invalid JSON).
 */
export function splitJsonValues(text: string): unknown[] {
  const splitter = new JsonValueSplitter();
  const out = splitter.push(text);
  splitter.end();
  return out;
}
