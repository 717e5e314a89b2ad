/**
 * Uploads a recording as a GraphQL multipart request
 * (https://github.com/jaydenseric/graphql-multipart-request-spec: `operations`, `map`, then the
 * file part), streamed from disk: the file is an `fs.openAsBlob` handle that form-data-encoder
 * reads chunk by chunk, piped with backpressure into a `node:http(s)` request, so memory stays
 * flat whatever the file's size; the bytes handed to the socket are counted for the progress
 * bar. The body has a Content-Length (the encoder computes it from the parts' sizes), so the
 * server can refuse an oversized upload before reading it.
 *
 * Not `fetch`: undici's fetch, given a 200 MB streamed body, peaked at ~280 MB RSS (the same
 * body through `http.request` + `pipeline`: ~90 MB), measured on Node 24.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FormDataEncoder } from 'form-data-encoder';
import { networkError, parseGraphQLBody, type Api } from './api.js';
import type {
  CliUploadAudioMutation,
  CliUploadAudioMutationVariables,
  TranscriptionOptionsInput,
} from './generated/graphql.js';
import { UPLOAD_AUDIO } from './operations.js';

/** The job the server created for an upload. */
export type UploadedJob = CliUploadAudioMutation['uploadAudio'];

/**
 * Uploads `filePath` with `options`; `onProgress(sentBytes, totalBytes)` runs as the body is sent
 * (bytes of the whole multipart body, so the last call has sent === total).
 * @throws CliError with the server's refusal (e.g. BAD_USER_INPUT reason MEDIA_NOT_AUDIO, or
 *   UNAUTHENTICATED answered before the body was read), or exit code 5 when the server cannot
 *   be reached
 */
export async function uploadFile(
  api: Api,
  filePath: string,
  options: TranscriptionOptionsInput,
  onProgress: (sentBytes: number, totalBytes: number) => void,
): Promise<UploadedJob> {
  const variables: CliUploadAudioMutationVariables = { file: null, options };
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: UPLOAD_AUDIO, variables }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', await fs.openAsBlob(filePath), path.basename(filePath));
  const encoder = new FormDataEncoder(form);
  const total = Number(encoder.contentLength ?? 0);
  async function* counted(): AsyncGenerator<Uint8Array> {
    let sent = 0;
    for await (const chunk of encoder.encode()) {
      yield chunk;
      sent += chunk.byteLength;
      onProgress(sent, total);
    }
  }
  const url = new URL(api.resolve('/graphql'));
  const req = (url.protocol === 'https:' ? https : http).request(url, {
    method: 'POST',
    headers: { ...encoder.headers, 'Apollo-Require-Preflight': 'true', ...api.authHeaders() },
  });
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
  });
  // A refusal can come while the body is still going (401, 413 answered before it is read):
  // the answer is what counts, and the rest of the body is not sent.
  const sending = pipeline(Readable.from(counted()), req).catch((err: unknown) => err);
  let status: number;
  let text: string;
  try {
    ({ status, text } = await answer);
  } catch (err) {
    throw networkError(api.target.url, err);
  } finally {
    req.destroy();
    await sending;
  }
  return parseGraphQLBody<CliUploadAudioMutation>(status, text).uploadAudio;
}
