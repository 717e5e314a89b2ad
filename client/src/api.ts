/**
 * Everything the client says to the server, in one place: GraphQL over HTTP, multipart uploads
 * (XMLHttpRequest, for upload progress), the graphql-ws client for live progress, and `apiFetch`
 * for plain HTTP downloads. Every request carries the API key (when the server runs with
 * `AUTH_MODE=api-key`) through {@link authHeaders} and the WebSocket `connectionParams`; a refusal
 * (UNAUTHENTICATED, WebSocket close 4401/4403) is reported to {@link onAuthRequired} listeners.
 */
import { createClient, type Client } from 'graphql-ws';

import type {
  Diarization,
  Engine,
  ExportFormatInfo as GqlExportFormatInfo,
  ExportOptionsInput,
  ExportScriptInfo,
  Job as GqlJob,
  JobProgressEvent,
  JobStatus,
  Script,
  Segment as GqlSegment,
  ServiceInfo as GqlServiceInfo,
  Speaker as GqlSpeaker,
  Transcript,
} from './generated/graphql.js';

// The API types below are the schema's own (client/src/generated/graphql.ts, written by
// `npm run codegen` from schema.graphql), narrowed to the fields the client selects: a schema
// change that breaks the client fails its build.

/** Job lifecycle states, as in the schema. */
export type { JobStatus };

/** A job as the list shows it. Sizes in bytes, durations in seconds, dates ISO strings. */
export type Job = Pick<
  GqlJob,
  | 'id'
  | 'filename'
  | 'status'
  | 'progress'
  | 'sizeBytes'
  | 'durationSeconds'
  | 'createdAt'
  | 'expiresAt'
  | 'errorCode'
  | 'errorMessage'
  | 'estimatedCompletionAt'
>;

/** A speaker of a transcript; `speakingSeconds` in seconds; `version` bumped on every rename. */
export type Speaker = Pick<
  GqlSpeaker,
  'id' | 'tag' | 'label' | 'segmentCount' | 'speakingSeconds' | 'version'
>;

/**
 * One utterance; `start`/`end` in seconds; `version` the transcript version at which it last
 * changed (sent back as `expectedVersion`); `edited` true once a person changed it.
 */
export type Segment = Pick<
  GqlSegment,
  'id' | 'index' | 'start' | 'end' | 'text' | 'language' | 'version' | 'edited'
> & { speaker: Pick<GqlSpeaker, 'id'> };

/**
 * A transcript as the page opens it: speakers, the number of segments and only the first
 * window of them (`segments` holds positions 0 … n-1; fetch the rest with {@link fetchSegments}).
 */
export type TranscriptHead = Pick<Transcript, 'id' | 'version' | 'segmentCount'> & {
  speakers: Speaker[];
  segments: Segment[];
};

/** A job with the head of its transcript (null until COMPLETED). */
export interface JobWithTranscript extends Job {
  /** Signed link to the recognised audio (works in `<audio src>`); null until COMPLETED. */
  audioUrl: GqlJob['audioUrl'];
  transcript: TranscriptHead | null;
}

/** An export format of the server (`serviceInfo.exportFormats`). */
export type ExportFormatInfo = Pick<GqlExportFormatInfo, 'format' | 'extension' | 'binary'>;

/** Limits of the server: bytes, seconds, hours; its engines, export formats and scripts. */
export type ServiceInfo = Pick<
  GqlServiceInfo,
  | 'maxUploadBytes'
  | 'maxDurationSeconds'
  | 'retentionHours'
  | 'acceptedExtensions'
  | 'languages'
  | 'defaultEngine'
> & {
  engines: Pick<Engine, 'id' | 'name' | 'demo' | 'diarization'>[];
  /** The server's export format registry, in the order to offer them. */
  exportFormats: ExportFormatInfo[];
  /** Scripts the Kazakh segments of an export can be written in. */
  exportScripts: Pick<ExportScriptInfo, 'script' | 'fileSuffix'>[];
};

/** The GraphQL `Script` values. */
export type ExportScript = Script;

/** `ExportOptionsInput`: what the web client lets the user choose (all of it, always sent). */
export type ExportOptions = {
  [K in 'script' | 'timestamps' | 'speakers' | 'languageTags']-?: NonNullable<
    ExportOptionsInput[K]
  >;
} & { locale: 'kk' | 'ru' | 'en' };

/** Options of an upload, as `TranscriptionOptionsInput`. */
export interface UploadOptions {
  languages: string[];
  diarization: Diarization;
  /** `Engine.id`; omitted: the server's default engine. */
  engine?: string;
}

/** A page of jobs, newest first. */
export interface JobPage {
  jobs: Job[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/**
 * An error to show to the user. `code` is the GraphQL `extensions.code` (or `NETWORK` when the
 * server could not be reached, `HTTP` for a non-GraphQL answer); `message` is readable text,
 * or empty when the caller should use its own words for `code`/`status`.
 */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly reason?: string,
    readonly status?: number,
    /** With code CONFLICT: the version the object has now (`extensions.currentVersion`). */
    readonly currentVersion?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** localStorage key of the API key (shared with the GraphiQL page, `client/graphiql/main.ts`). */
export const API_KEY_STORAGE = 'kazru.apiKey';

/** The stored API key, or null. */
export function getApiKey(): string | null {
  try {
    return localStorage.getItem(API_KEY_STORAGE);
  } catch {
    return null;
  }
}

/** Stores (or, with null, forgets) the API key; takes effect for the next request. */
export function setApiKey(key: string | null): void {
  if (key) localStorage.setItem(API_KEY_STORAGE, key.trim());
  else localStorage.removeItem(API_KEY_STORAGE);
}

type AuthListener = (err: ApiError) => void;
const authListeners = new Set<AuthListener>();

/** Calls `fn` whenever the server refuses the key (or its absence). Returns an unsubscribe. */
export function onAuthRequired(fn: AuthListener): () => void {
  authListeners.add(fn);
  return () => authListeners.delete(fn);
}

/** Tells the listeners when `err` is an authentication refusal; returns `err`. */
function noticeAuth(err: ApiError): ApiError {
  if (err.code === 'UNAUTHENTICATED') for (const fn of authListeners) fn(err);
  return err;
}

/** Headers every request carries: `Authorization: Bearer <key>` when a key is stored. */
function authHeaders(): Record<string, string> {
  const key = getApiKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** `fetch` for this server's API: adds the common headers; network failures become ApiError. */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [k, v] of Object.entries(authHeaders())) headers.set(k, v);
  try {
    return await fetch(path, { ...init, headers });
  } catch {
    throw new ApiError('NETWORK', '');
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: {
    message: string;
    extensions?: { code?: string; reason?: string; currentVersion?: number };
  }[];
}

/** Turns a GraphQL response body (or a non-JSON one) into data or an ApiError. */
function readGraphQL<T>(status: number, body: string): T {
  let parsed: GraphQLResponse<T> | undefined;
  try {
    parsed = JSON.parse(body) as GraphQLResponse<T>;
  } catch {
    parsed = undefined;
  }
  const first = parsed?.errors?.[0];
  if (first) {
    throw noticeAuth(
      new ApiError(
        first.extensions?.code ?? 'ERROR',
        first.message,
        first.extensions?.reason,
        status,
        first.extensions?.currentVersion,
      ),
    );
  }
  if (!parsed?.data) {
    throw new ApiError(status === 413 ? 'PAYLOAD_TOO_LARGE' : 'HTTP', '', undefined, status);
  }
  return parsed.data;
}

/** Runs a GraphQL query or mutation over HTTP. @throws ApiError */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await apiFetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return readGraphQL<T>(res.status, await res.text());
}

/** Fields of a job the list needs. */
export const JOB_FIELDS =
  'id filename status progress sizeBytes durationSeconds createdAt expiresAt errorCode errorMessage estimatedCompletionAt';

/** The server's limits. */
export async function fetchServiceInfo(): Promise<ServiceInfo> {
  const d = await gql<{ serviceInfo: ServiceInfo }>(
    '{ serviceInfo { maxUploadBytes maxDurationSeconds retentionHours acceptedExtensions languages engines { id name demo diarization } defaultEngine exportFormats { format extension binary } exportScripts { script fileSuffix } } }',
  );
  return d.serviceInfo;
}

/** A page of the user's jobs, newest first; `after` is the previous page's end cursor. */
export async function fetchJobs(first: number, after: string | null = null): Promise<JobPage> {
  const d = await gql<{
    jobs: {
      edges: { node: Job }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  }>(
    `query($first: Int, $after: String) { jobs(first: $first, after: $after) {
      edges { node { ${JOB_FIELDS} } } pageInfo { hasNextPage endCursor } } }`,
    { first, after },
  );
  return {
    jobs: d.jobs.edges.map((e) => e.node),
    hasNextPage: d.jobs.pageInfo.hasNextPage,
    endCursor: d.jobs.pageInfo.endCursor,
  };
}

/** Fields of a segment the transcript list shows (no words: the list does not show them). */
export const SEGMENT_FIELDS = 'id index start end text language speaker { id } version edited';
export const SPEAKER_FIELDS = 'id tag label segmentCount speakingSeconds version';

/**
 * A job with its speakers, its number of segments and its first `firstSegments` segments, or
 * null when there is no such job.
 */
export async function fetchJob(
  id: string,
  firstSegments: number,
): Promise<JobWithTranscript | null> {
  const d = await gql<{ job: JobWithTranscript | null }>(
    `query($id: ID!, $limit: Int!) { job(id: $id) { ${JOB_FIELDS} audioUrl
      transcript { id version segmentCount speakers { ${SPEAKER_FIELDS} }
        segments(offset: 0, limit: $limit) { ${SEGMENT_FIELDS} } } } }`,
    { id, limit: firstSegments },
  );
  return d.job;
}

/**
 * The segments of a job's transcript at positions `[offset, offset + limit)` (0-based, time
 * order). @throws ApiError, code NOT_FOUND when the job or its transcript is gone.
 */
export async function fetchSegments(
  jobId: string,
  offset: number,
  limit: number,
): Promise<Segment[]> {
  const d = await gql<{ job: { transcript: { segments: Segment[] } | null } | null }>(
    `query($id: ID!, $offset: Int!, $limit: Int!) { job(id: $id) {
      transcript { segments(offset: $offset, limit: $limit) { ${SEGMENT_FIELDS} } } } }`,
    { id: jobId, offset, limit },
  );
  if (!d.job?.transcript) throw new ApiError('NOT_FOUND', '');
  return d.job.transcript.segments;
}

/** The speakers of a job's transcript (empty when there is none). */
export async function fetchSpeakers(jobId: string): Promise<Speaker[]> {
  const d = await gql<{ job: { transcript: { speakers: Speaker[] } | null } | null }>(
    `query($id: ID!) { job(id: $id) { transcript { speakers { ${SPEAKER_FIELDS} } } } }`,
    { id: jobId },
  );
  return d.job?.transcript?.speakers ?? [];
}

/** Stops an unfinished job. */
export async function cancelJob(id: string): Promise<Job> {
  const d = await gql<{ cancelJob: Job }>(
    `mutation($id: ID!) { cancelJob(id: $id) { ${JOB_FIELDS} } }`,
    { id },
  );
  return d.cancelJob;
}

/** Deletes a job and its files. */
export async function deleteJob(id: string): Promise<void> {
  await gql('mutation($id: ID!) { deleteJob(id: $id) }', { id });
}

/**
 * Renames a speaker; returns the saved (trimmed) label and its new version.
 * @param expectedVersion the version last read; a rename by someone else since then is refused
 *   (ApiError CONFLICT) instead of overwritten.
 */
export async function renameSpeaker(
  id: string,
  label: string,
  expectedVersion: number,
): Promise<{ label: string; version: number }> {
  const d = await gql<{ renameSpeaker: { label: string; version: number } }>(
    `mutation($id: ID!, $label: String!, $v: Int) {
      renameSpeaker(id: $id, label: $label, expectedVersion: $v) { id label version } }`,
    { id, label, v: expectedVersion },
  );
  return d.renameSpeaker;
}

/**
 * Uploads one file (GraphQL multipart request) and returns the queued job.
 * @param onProgress called with bytes sent and total bytes as the upload goes.
 * @throws ApiError with the server's message (e.g. reason MEDIA_NOT_AUDIO), or NETWORK.
 */
export function uploadAudio(
  file: File,
  options: UploadOptions,
  onProgress: (sentBytes: number, totalBytes: number) => void,
): Promise<Job> {
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: `mutation($file: Upload!, $options: TranscriptionOptionsInput) {
        uploadAudio(file: $file, options: $options) { ${JOB_FIELDS} } }`,
      variables: { file: null, options },
    }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', file, file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/graphql');
    xhr.setRequestHeader('Apollo-Require-Preflight', 'true');
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      try {
        resolve(readGraphQL<{ uploadAudio: Job }>(xhr.status, xhr.responseText).uploadAudio);
      } catch (err) {
        reject(err instanceof Error ? err : new ApiError('HTTP', '', undefined, xhr.status));
      }
    };
    xhr.onerror = () => reject(new ApiError('NETWORK', ''));
    xhr.send(form);
  });
}

/** Reads the file name from a Content-Disposition header, preferring RFC 5987 `filename*`. */
export function filenameFromDisposition(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[2].trim());
    } catch {
      // Malformed escape: fall through to the plain filename.
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(header);
  return plain ? plain[1].trim() : fallback;
}

/** Reads `{ error: { code, reason, message } }` from a failed REST answer. */
async function restError(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as {
      error?: { code?: string; reason?: string; message?: string };
    };
    if (body.error?.message) {
      return noticeAuth(
        new ApiError(body.error.code ?? 'HTTP', body.error.message, body.error.reason, res.status),
      );
    }
  } catch {
    // Not JSON: describe it by status.
  }
  return new ApiError('HTTP', '', undefined, res.status);
}

/**
 * Downloads a transcript export in any format with options, as a file named by the server
 * (`интервью-latn.docx`): asks `Transcript.exportUrl` for a signed link, then fetches it.
 * @throws ApiError
 */
export async function downloadExport(
  jobId: string,
  format: ExportFormatInfo,
  options: ExportOptions,
): Promise<void> {
  const d = await gql<{ job: { transcript: { exportUrl: string } | null } | null }>(
    'query($id: ID!, $f: ExportFormat!, $o: ExportOptionsInput) { job(id: $id) { transcript { exportUrl(format: $f, options: $o) } } }',
    { id: jobId, f: format.format, o: options },
  );
  const url = d.job?.transcript?.exportUrl;
  if (!url) throw new ApiError('NOT_FOUND', '');
  const res = await apiFetch(url);
  if (!res.ok) throw await restError(res);
  const blob = await res.blob();
  const name = filenameFromDisposition(
    res.headers.get('content-disposition'),
    `transcript.${format.extension}`,
  );
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

// ---- Live progress over graphql-ws -------------------------------------------------------

/** A progress event of `jobProgress` (`estimatedCompletionAt`: the estimate made at it, or null). */
export type ProgressEvent = Pick<
  JobProgressEvent,
  'status' | 'progress' | 'estimatedCompletionAt'
> & {
  job: Job;
};

type ConnectionListener = (state: { online: boolean; reconnected: boolean }) => void;
const connectionListeners = new Set<ConnectionListener>();
let wsClient: Client | null = null;
let everConnected = false;

/** The shared graphql-ws client: always connected, retrying forever after drops or restarts. */
export function ws(): Client {
  if (wsClient) return wsClient;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  wsClient = createClient({
    url: `${scheme}://${location.host}/graphql`,
    connectionParams: () => authHeaders(),
    lazy: false,
    keepAlive: 10_000,
    retryAttempts: Infinity,
    // A refused key will be refused again: stop and ask for one (the page reloads once it is set).
    shouldRetry: (event) => !isAuthClose(event),
    // 0.5 s, 1 s, 2 s … capped at 8 s, plus up to 0.5 s of jitter.
    retryWait: (retries) =>
      new Promise((r) => setTimeout(r, Math.min(8000, 500 * 2 ** retries) + Math.random() * 500)),
    onNonLazyError: () => {
      // Never reached with endless retries; the indicator already says we are reconnecting.
    },
    on: {
      connected: () => {
        const reconnected = everConnected;
        everConnected = true;
        for (const fn of connectionListeners) fn({ online: true, reconnected });
      },
      closed: (event) => {
        if (isAuthClose(event)) {
          // The close reason is terse (123 bytes at most); an HTTP call brings the server's full
          // explanation (expired, revoked…) to the onAuthRequired listeners.
          void fetchServiceInfo().catch(() => undefined);
          return;
        }
        if (!everConnected) return;
        for (const fn of connectionListeners) fn({ online: false, reconnected: false });
      },
    },
  });
  return wsClient;
}

/** True for the close codes of a refused API key (4401 none sent, 4403 refused). */
function isAuthClose(event: unknown): boolean {
  const code = (event as { code?: number } | null)?.code;
  return code === 4401 || code === 4403;
}

/**
 * Listens to the live connection: `online` false while reconnecting; `reconnected` true on a
 * connection after a drop (refetch then: events may have been missed). Returns an unsubscribe.
 */
export function onConnectionChange(fn: ConnectionListener): () => void {
  connectionListeners.add(fn);
  ws();
  return () => connectionListeners.delete(fn);
}

/**
 * Follows a job's progress: `onEvent` gets the current state first, then each update; `onEnd`
 * runs when the job has ended (or the job is gone). Returns a function that stops following.
 */
export function followJob(
  id: string,
  onEvent: (e: ProgressEvent) => void,
  onEnd: (err?: ApiError) => void,
): () => void {
  return ws().subscribe<{ jobProgress: ProgressEvent }>(
    {
      query: `subscription($id: ID!) { jobProgress(id: $id) { status progress estimatedCompletionAt job { ${JOB_FIELDS} } } }`,
      variables: { id },
    },
    {
      next: (r) => {
        if (r.data) onEvent(r.data.jobProgress);
        else if (r.errors?.[0]) {
          const e = r.errors[0] as { message: string; extensions?: { code?: string } };
          onEnd(new ApiError(e.extensions?.code ?? 'ERROR', e.message));
        }
      },
      error: (err) => {
        const list = Array.isArray(err) ? (err as { message: string }[]) : [];
        onEnd(new ApiError('ERROR', list[0]?.message ?? ''));
      },
      complete: () => onEnd(),
    },
  );
}
