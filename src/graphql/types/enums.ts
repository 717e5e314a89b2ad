import { registerEnumType } from 'type-graphql';
import { Diarization, JobStatus } from '../../domain.js';
import {
  WebhookAttemptOutcome,
  WebhookDeliveryStatus,
  WebhookEventType,
} from '../../webhooks/types.js';

/** Export formats offered by `Transcript.export` and the download URL. */
export enum ExportFormatEnum {
  TXT = 'TXT',
  SRT = 'SRT',
  VTT = 'VTT',
  JSON = 'JSON',
}

registerEnumType(JobStatus, { name: 'JobStatus', description: 'Lifecycle of a job.' });
registerEnumType(Diarization, {
  name: 'Diarization',
  description:
    'How speakers are told apart. AUTO: CHANNELS when the two channels carry different voices (a call recording), else SPEAKER_LABELING on a mono mix.',
});
registerEnumType(ExportFormatEnum, { name: 'ExportFormat' });
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
