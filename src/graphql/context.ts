/**
 * Per-request (HTTP) or per-connection (WebSocket) GraphQL context.
 */
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { Transcript } from '../db/entities/index.js';
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
  /** Batches `Job.transcript` lookups: one query per request, not one per job. */
  transcriptByJob: DataLoader<string, Transcript | null>;
}

/** Builds a context around a fresh EntityManager fork. */
export function createContext(
  base: Pick<GraphQLContext, 'jobs' | 'events' | 'serviceInfo' | 'log' | 'principal' | 'signer'> & {
    em: EntityManager;
  },
): GraphQLContext {
  const em = base.em;
  return {
    ...base,
    tenantId: base.principal.tenantId,
    transcriptByJob: new DataLoader(async (jobIds) => {
      const rows = await em.find(Transcript, { job: { $in: [...jobIds] } });
      const byJob = new Map(rows.map((t) => [t.job.id, t]));
      return jobIds.map((id) => byJob.get(id) ?? null);
    }),
  };
}
