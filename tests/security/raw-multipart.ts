/**
 * GraphQL multipart uploads written by hand over a raw socket, for what `fetch`/`FormData` will
 * not send: arbitrary bytes in the file name (FormData percent-escapes CR, LF and quotes) and
 * bodies cut off mid-file by a client that goes away.
 */
import net from 'node:net';

/** The uploadAudio operation, as the harness sends it. */
const OPERATIONS = JSON.stringify({
  query: `mutation($file: Upload!) { uploadAudio(file: $file) { id filename status } }`,
  variables: { file: null },
});

/**
 * A complete multipart/form-data request body (operations, map, one file) and its boundary.
 * @param dispositionParams what follows `form-data; name="0"; ` in the file part's
 *   Content-Disposition, e.g. `filename="a.wav"` or `filename*=UTF-8''%E2%80%AEx.wav` (RFC 5987,
 *   which busboy decodes, so any character can be sent).
 */
export function multipartBody(
  file: Buffer,
  dispositionParams: string,
): { body: Buffer; boundary: string; fileStart: number } {
  const boundary = `----kazru${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(
    [
      `--${boundary}`,
      'Content-Disposition: form-data; name="operations"',
      '',
      OPERATIONS,
      `--${boundary}`,
      'Content-Disposition: form-data; name="map"',
      '',
      JSON.stringify({ 0: ['variables.file'] }),
      `--${boundary}`,
      `Content-Disposition: form-data; name="0"; ${dispositionParams}`,
      'Content-Type: application/octet-stream',
      '',
      '',
    ].join('\r\n'),
    'utf8',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  return { body: Buffer.concat([head, file, tail]), boundary, fileStart: head.length };
}

/** Request head for a multipart body of `length` bytes to `/graphql`. */
export function requestHead(port: number, boundary: string, length: number): string {
  return [
    'POST /graphql HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    `Content-Type: multipart/form-data; boundary=${boundary}`,
    `Content-Length: ${length}`,
    'Apollo-Require-Preflight: true',
    'Connection: close',
    '',
    '',
  ].join('\r\n');
}

/** Sends a whole multipart request and resolves with the status and parsed JSON answer. */
export async function sendMultipart(
  port: number,
  body: Buffer,
  boundary: string,
): Promise<{ status: number; json: any }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(requestHead(port, boundary, body.length));
  socket.write(body);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const headEnd = raw.indexOf('\r\n\r\n');
  const headers = raw.subarray(0, headEnd).toString('latin1');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]);
  let payload: Buffer = raw.subarray(headEnd + 4);
  if (/transfer-encoding:\s*chunked/i.test(headers)) payload = dechunk(payload);
  return { status, json: JSON.parse(payload.toString('utf8')) };
}

/** Decodes an HTTP/1.1 chunked body (sizes are in bytes, so work on bytes). */
function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', i);
    const size = parseInt(body.subarray(i, eol).toString('latin1'), 16);
    if (!size) return Buffer.concat(parts);
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
}
