/**
 * Per-request (HTTP) or per-connection (WebSocket) GraphQL context.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { TranscriptReader } from '../services/transcript-reader.js';
import type { JobService } from '../services/job.service.js';
import type { JobEvents } from '../jobs/events.js';
import type { ServiceInfo } from './types/service-info.js';
import type { Principal } from '../auth/principal.js';
import type { UrlSigner } from '../auth/signed-url.js';

/** What every resolver receives. */
export interface GraphQLContext {
  /** Request-scoped EntityManager (a fork). */
  em: EntityManager;
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
  /** Limits and capabilities reported by the `serviceInfo` query. */
  serviceInfo: ServiceInfo;
  /**
   * Batched, column-explicit transcript reads for this request (one statement per kind of row,
   * whatever the number of jobs, segments or words selected).
   */
  transcripts: TranscriptReader;
}

/** Builds a context around a fresh EntityManager fork. */
export function createContext(
  base: Pick<GraphQLContext, 'jobs' | 'events' | 'serviceInfo' | 'log' | 'principal' | 'signer'> & {
    em: EntityManager;
  },
): GraphQLContext {
  return {
    ...base,
    tenantId: base.principal.tenantId,
    transcripts: new TranscriptReader(base.em),
  };
}

/**
 * Starts a fresh read cache on a WebSocket subscription's context, whose lifetime spans many
 * events: called after each event is sent, so the next event reads the state it describes
 * (a transcript that did not exist at 40 % exists at COMPLETED).
 */
export function renewPerEventState(ctx: GraphQLContext): void {
  ctx.transcripts = new TranscriptReader(ctx.em);
}
