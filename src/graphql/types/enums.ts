import { registerEnumType } from 'type-graphql';
import { Diarization, JobStatus } from '../../domain.js';
import { JOB_ERROR_CODES, type JobErrorCode } from '../../errors.js';
import {
  WebhookAttemptOutcome,
  WebhookDeliveryStatus,
  WebhookEventType,
} from '../../webhooks/types.js';
import {
  EXPORT_FORMAT_REGISTRY,
  EXPORT_FORMATS,
  EXPORT_SCRIPTS,
  type ExportFormat,
  type ExportScript,
} from '../../exports/index.js';

/** GraphQL enum `ExportFormat`: every format of the export registry (`src/exports/formats.ts`). */
export const ExportFormatEnum = Object.freeze(
  Object.fromEntries(EXPORT_FORMATS.map((f) => [f, f])) as { [F in ExportFormat]: F },
);
export type ExportFormatEnum = ExportFormat;

/** GraphQL enum `Script`: the scripts of `src/exports/options.ts`. */
export const ScriptEnum = Object.freeze(
  Object.fromEntries(Object.keys(EXPORT_SCRIPTS).map((s) => [s, s])) as {
    [S in ExportScript]: S;
  },
);
export type ScriptEnum = ExportScript;

registerEnumType(JobStatus, {
  name: 'JobStatus',
  description:
    'Lifecycle of a job: QUEUED → TRANSCODING → TRANSCRIBING → COMPLETED, or FAILED / CANCELLED on the way; any finished job becomes EXPIRED when its retention ends. COMPLETED, FAILED, CANCELLED and EXPIRED are final (only EXPIRED follows them).',
  valuesConfig: {
    QUEUED: { description: 'Stored and checked; waiting for a worker.' },
    TRANSCODING: { description: 'A worker is converting the audio for the engine (ffmpeg).' },
    TRANSCRIBING: { description: 'The speech engine is recognising the audio.' },
    COMPLETED: { description: 'Final: the transcript is ready (`Job.transcript`).' },
    FAILED: { description: 'Final: processing stopped; `Job.errorCode` says why.' },
    CANCELLED: { description: 'Final: cancelled by `cancelJob` before it finished.' },
    EXPIRED: {
      description: 'Final: the retention period ended; the recording and transcript are deleted.',
    },
  },
});
registerEnumType(Diarization, {
  name: 'Diarization',
  description:
    'How speakers are told apart. AUTO: CHANNELS when the two channels carry different voices (a call recording), else SPEAKER_LABELING on a mono mix.',
  valuesConfig: {
    AUTO: {
      description:
        'CHANNELS when a stereo file carries one voice per channel, else SPEAKER_LABELING (or NONE when the engine cannot label speakers).',
    },
    NONE: { description: 'One speaker for the whole recording.' },
    SPEAKER_LABELING: {
      description:
        'The engine tells voices apart in a mono mix (only engines whose `Engine.diarization` lists it).',
    },
    CHANNELS: {
      description:
        'Each channel of a stereo recording is one speaker (call-centre recordings); refused for mono files.',
    },
  },
});

/**
 * GraphQL view of {@link JobErrorCode}: an enum object (`{ CODE: 'CODE' }`) for type-graphql,
 * the values described by {@link JOB_ERROR_CODES}.
 */
export const JobErrorCodeEnum = Object.fromEntries(
  Object.keys(JOB_ERROR_CODES).map((c) => [c, c]),
) as { [K in JobErrorCode]: K };

registerEnumType(JobErrorCodeEnum, {
  name: 'JobErrorCode',
  description: 'Why a job ended FAILED (`Job.errorCode`).',
  valuesConfig: Object.fromEntries(
    Object.entries(JOB_ERROR_CODES).map(([code, description]) => [code, { description }]),
  ),
});
registerEnumType(WebhookEventType, {
  name: 'WebhookEventType',
  description:
    'Events a webhook endpoint can subscribe to; the payload `type` is the name given with each value.',
  valuesConfig: {
    JOB_COMPLETED: {
      description: '`job.completed`: the transcript is ready (fetch it with your key).',
    },
    JOB_FAILED: { description: '`job.failed`: the job ended FAILED; `data.errorCode` says why.' },
    JOB_CANCELLED: { description: '`job.cancelled`: the job was cancelled (cancelJob).' },
    JOB_EXPIRED: {
      description: '`job.expired`: retention ended; files and transcript are deleted.',
    },
    TRANSCRIPT_EDITED: {
      description: '`transcript.edited`: a workbench change made a new revision (`data.revision`).',
    },
  },
});
registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where one event stands towards one endpoint. DELIVERED and FAILED are final.',
  valuesConfig: {
    PENDING: { description: 'Not delivered yet; the next attempt is due at `nextAttemptAt`.' },
    DELIVERED: { description: 'The endpoint answered 2xx.' },
    FAILED: {
      description:
        'Given up: the retry schedule ran out, or the endpoint answered 410 or is disabled.',
    },
  },
});
registerEnumType(WebhookAttemptOutcome, {
  name: 'WebhookAttemptOutcome',
  description: 'What one delivery attempt came to.',
  valuesConfig: {
    SUCCESS: { description: 'A 2xx answer.' },
    HTTP_ERROR: { description: 'Another status (429, 4xx other than 410, 5xx): retried.' },
    REDIRECT_NOT_FOLLOWED: { description: 'A 3xx answer: redirects are never followed; retried.' },
    GONE: { description: '410 Gone: the endpoint is disabled, nothing more is sent.' },
    TIMEOUT: { description: 'No complete answer within the timeout (15 s): retried.' },
    NETWORK_ERROR: { description: 'Not resolved, refused, reset or a TLS failure: retried.' },
    ADDRESS_REFUSED: {
      description:
        'The host resolved to a loopback, private, link-local or other non-public address: refused before connecting; retried.',
    },
    URL_REFUSED: { description: 'The URL is no longer allowed (e.g. http://): retried.' },
  },
});
registerEnumType(ExportFormatEnum, {
  name: 'ExportFormat',
  description:
    'Export formats. Text formats come from Transcript.export; every format downloads from Transcript.exportUrl.',
  valuesConfig: Object.fromEntries(
    EXPORT_FORMATS.map((f) => [f, { description: EXPORT_FORMAT_REGISTRY[f].description }]),
  ),
});
registerEnumType(ScriptEnum, {
  name: 'Script',
  description: 'Script of the Kazakh (kk-KZ) segments of an export; Russian stays in Cyrillic.',
  valuesConfig: Object.fromEntries(
    (Object.keys(EXPORT_SCRIPTS) as ExportScript[]).map((s) => [
      s,
      { description: EXPORT_SCRIPTS[s].description },
    ]),
  ),
});
