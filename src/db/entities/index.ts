export { Tenant } from './tenant.entity.js';
export { Job } from './job.entity.js';
export { Transcript } from './transcript.entity.js';
export { Speaker } from './speaker.entity.js';
export { Segment } from './segment.entity.js';
export { Word } from './word.entity.js';
export { ApiKey } from './api-key.entity.js';
export { RecognitionUnit } from './recognition-unit.entity.js';
export { TranscriptRevision } from './transcript-revision.entity.js';
export { WebhookEndpoint } from './webhook-endpoint.entity.js';
export { WebhookEvent } from './webhook-event.entity.js';
export { WebhookDelivery } from './webhook-delivery.entity.js';
export { WebhookAttempt } from './webhook-attempt.entity.js';

import { Tenant } from './tenant.entity.js';
import { Job } from './job.entity.js';
import { Transcript } from './transcript.entity.js';
import { Speaker } from './speaker.entity.js';
import { Segment } from './segment.entity.js';
import { Word } from './word.entity.js';
import { ApiKey } from './api-key.entity.js';
import { RecognitionUnit } from './recognition-unit.entity.js';
import { TranscriptRevision } from './transcript-revision.entity.js';
import { WebhookEndpoint } from './webhook-endpoint.entity.js';
import { WebhookEvent } from './webhook-event.entity.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';
import { WebhookAttempt } from './webhook-attempt.entity.js';

/** Every entity, listed explicitly for MikroORM discovery. */
export const ENTITIES = [
  Tenant,
  ApiKey,
  Job,
  Transcript,
  Speaker,
  Segment,
  Word,
  RecognitionUnit,
  TranscriptRevision,
  WebhookEndpoint,
  WebhookEvent,
  WebhookDelivery,
  WebhookAttempt,
];
