/**
 * Reads a `multipart/form-data` request body with busboy, for the OpenAI-compatible test double,
 * stopping as soon as the body grows past a byte limit (a server answering 413 does not read the
 * rest).
 */
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';

/** A file part as received. */
export interface FormFile {
  /** Form field name, e.g. `file`. */
  field: string;
  /** `filename` of the part's Content-Disposition (empty when absent). */
  filename: string;
  /** The part's Content-Type, e.g. `audio/flac` (busboy's default `application/octet-stream`). */
  mimeType: string;
  data: Buffer;
}

/** The parsed body. */
export interface ParsedForm {
  /** Text fields: name → every value in order (repeated names such as `timestamp_granularities[]`). */
  fields: Map<string, string[]>;
  /** File parts in order. */
  files: FormFile[];
  /** Body bytes read (all of it, or up to just past the limit). */
  bytes: number;
  /** True when the body exceeded the limit and reading stopped. */
  tooLarge: boolean;
  /** Why the body could not be parsed (content type or multipart syntax), if it could not. */
  error?: string;
}

/** Reads `req` as a form, reading at most `limit` + one chunk bytes of body. */
export function readForm(req: IncomingMessage, limit = Infinity): Promise<ParsedForm> {
  return new Promise((resolve) => {
    const form: ParsedForm = { fields: new Map(), files: [], bytes: 0, tooLarge: false };
    let settled = false;
    const done = (error?: string) => {
      if (settled) return;
      settled = true;
      if (error !== undefined) form.error = error;
      resolve(form);
    };
    let parser: ReturnType<typeof busboy>;
    try {
      parser = busboy({ headers: req.headers, limits: { fieldSize: 1 << 20, fields: 1000 } });
    } catch (err) {
      req.resume();
      req.on('end', () => done((err as Error).message));
      req.on('error', () => done((err as Error).message));
      return;
    }
    const pending: Promise<void>[] = [];
    parser.on('field', (name, value) => {
      const list = form.fields.get(name) ?? [];
      list.push(value);
      form.fields.set(name, list);
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      pending.push(
        new Promise<void>((ok) => {
          stream.on('data', (d: Buffer) => chunks.push(d));
          stream.on('end', () => {
            form.files.push({
              field: name,
              filename: info.filename ?? '',
              mimeType: info.mimeType,
              data: Buffer.concat(chunks),
            });
            ok();
          });
          stream.on('error', () => ok());
        }),
      );
    });
    parser.on('close', () => {
      void Promise.all(pending).then(() => done());
    });
    parser.on('error', (err) => done(err.message));
    req.on('data', (d: Buffer) => {
      form.bytes += d.length;
      if (form.bytes > limit && !form.tooLarge) {
        form.tooLarge = true;
        req.unpipe(parser);
        req.pause();
        done();
      }
    });
    req.on('error', (err) => done(err.message));
    req.pipe(parser);
  });
}
