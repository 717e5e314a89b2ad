/**
 * The part of busboy 1.6's API (https://github.com/mscdex/busboy, README "API") the
 * OpenAI-compatible test double uses. busboy ships no types and @types/busboy is not installed;
 * busboy itself is in node_modules as a dependency of graphql-upload-minimal.
 */
declare module 'busboy' {
  import type { IncomingHttpHeaders } from 'node:http';
  import type { Readable, Writable } from 'node:stream';

  /** Constructor options (README "busboy(config)"). */
  interface BusboyConfig {
    headers: IncomingHttpHeaders;
    limits?: {
      fieldNameSize?: number;
      fieldSize?: number;
      fields?: number;
      fileSize?: number;
      files?: number;
      parts?: number;
      headerPairs?: number;
    };
  }
  /** Second argument of the `file` event. */
  interface FileInfo {
    filename: string | undefined;
    encoding: string;
    mimeType: string;
  }
  /** Second argument of the `field` event. */
  interface FieldInfo {
    nameTruncated: boolean;
    valueTruncated: boolean;
    encoding: string;
    mimeType: string;
  }
  /** The parser: a Writable the request body is piped into. */
  interface Busboy extends Writable {
    on(event: 'file', listener: (name: string, stream: Readable, info: FileInfo) => void): this;
    on(event: 'field', listener: (name: string, value: string, info: FieldInfo) => void): this;
    on(event: 'close', listener: () => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: 'partsLimit' | 'filesLimit' | 'fieldsLimit', listener: () => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
  /**
   * Creates a parser for `config.headers['content-type']` (multipart/form-data or
   * application/x-www-form-urlencoded).
   * @throws Error "Missing Content-Type", "Malformed content type" or "Unsupported content type: …".
   */
  function busboy(config: BusboyConfig): Busboy;
  export default busboy;
}
