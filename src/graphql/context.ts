/**
 * Per-request (HTTP) or per-subscription (WebSocket) GraphQL context.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { JobService } from '../services/job.service.js';
import { TranscriptReader } from '../services/transcript-reader.js';
import type { JobEvents } from '../jobs/events.js';
import type { ServiceInfo } from './types/service-info.js';
import type { Principal } from '../auth/principal.js';
import type { UrlSigner } from '../auth/signed-url.js';
import type { JobReads } from './job-reads.js';

/** What every resolver receives. */
export interface GraphQLContext {
  /** Request-scoped EntityManager (a fork, made on first use). */
  readonly em: EntityManager;
  /** A new EntityManager fork, for a read whose entities must not stay with the context. */
  fork(): EntityManager;
  /** Logger of this request (carries its request id) or WebSocket connection. */
  log: Logger;
  /** Tenant every query is scoped to (`principal.tenantId`). */
  tenantId: string;
  /** The authenticated caller (tenant and API key). */
  principal: Principal;
  /** Signs `Job.audioUrl` links. */
  signer: UrlSigner;
  jobs: JobService;
  events: JobEvents;
  /** Job reads batched across subscribers (the subscription path). */
  jobReads: JobReads;
  /** Limits and capabilities reported by the `serviceInfo` query. */
  serviceInfo: ServiceInfo;
  /**
   * Batched, column-explicit transcript reads for this request (one statement per kind of row,
   * whatever the number of jobs, segments or words selected); made on first use.
   */
  readonly transcripts: TranscriptReader;
  /**
   * Drops what this context has read, so the next read sees the current state: called after
   * each event of a WebSocket subscription, whose context lives as long as the subscription (a
   * transcript that did not exist at 40 % exists at COMPLETED).
   */
  forgetReads(): void;
}

/** What {@link createContext} is given: the services, the caller, and how to fork the ORM. */
export type ContextBase = Pick<
  GraphQLContext,
  'jobs' | 'events' | 'jobReads' | 'serviceInfo' | 'log' | 'principal' | 'signer'
> & { fork: () => EntityManager };

/**
 * Builds a context. The EntityManager fork and the transcript reader are made when a resolver
 * first needs them: an idle subscription (most of them, most of the time) holds neither.
 */
export function createContext(base: ContextBase): GraphQLContext {
  const { fork, ...services } = base;
  let em: EntityManager | undefined;
  let transcripts: TranscriptReader | undefined;
  return {
    ...services,
    fork,
    tenantId: base.principal.tenantId,
    get em() {
      return (em ??= fork());
    },
    get transcripts() {
      return (transcripts ??= new TranscriptReader(this.em));
    },
    forgetReads() {
      transcripts = undefined;
    },
  };
}
