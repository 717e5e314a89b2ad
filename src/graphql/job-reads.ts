/**
 * Job reads of the subscription path, batched across subscribers. When an event reaches 1,000
 * subscribers of a job, or 1,000 browser tabs reconnect after a restart, their reads start in
 * the same turn of the event loop; each kind of read here becomes one statement per turn
 * instead of one ORM lookup per subscriber (which, queued on SQLite's one connection, also costs
 * quadratic time in kysely's connection mutex). Nothing is cached between turns: every read
 * sees the current row.
 */
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/core';
import type { Job } from '../db/entities/index.js';
import type { JobStatus } from '../domain.js';
import { NotFoundError } from '../errors.js';
import type { JobService } from '../services/job.service.js';

/** A job's status and progress (percent, 0..100). */
export interface JobState {
  status: JobStatus;
  progress: number;
  /** The last stored completion estimate (ISO 8601), or null. */
  estimatedCompletionAt: string | null;
}

type StateRow = {
  id: string;
  tenant_id: string;
  status: JobStatus;
  progress: number;
  estimated_completion_at: unknown;
};

/** Loader keys: tenant and job id. */
const keyOf = (tenantId: string, jobId: string) => `${tenantId}\n${jobId}`;

/** Batched, tenant-scoped job reads (see the module comment). */
export class JobReads {
  private readonly jobs: DataLoader<string, Job | null>;
  private readonly states: DataLoader<string, JobState | null>;

  /**
   * @param service tenant-scoped job lookups.
   * @param fork a fresh EntityManager per batch (subscriptions outlive requests).
   */
  constructor(service: JobService, fork: () => EntityManager) {
    const batchOptions = { cache: false, maxBatchSize: 500 };
    this.jobs = new DataLoader(async (keys) => {
      const byTenant = new Map<string, string[]>();
      for (const [tenantId, id] of keys.map((k) => k.split('\n'))) {
        byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), id]);
      }
      const em = fork();
      const found = new Map<string, Job>();
      for (const [tenantId, ids] of byTenant) {
        for (const job of await service.findMany(em, tenantId, ids)) {
          found.set(keyOf(tenantId, job.id), job);
        }
      }
      return keys.map((k) => found.get(k) ?? null);
    }, batchOptions);
    this.states = new DataLoader(async (keys) => {
      const ids = [...new Set(keys.map((k) => k.split('\n')[1]))];
      const rows: StateRow[] = await fork()
        .getConnection()
        .execute<StateRow[]>(
          `select id, tenant_id, status, progress, estimated_completion_at from jobs where id in (${ids.map(() => '?').join(', ')})`,
          ids,
        );
      const byKey = new Map(rows.map((r) => [keyOf(r.tenant_id, r.id), r]));
      return keys.map((k) => {
        const r = byKey.get(k);
        return r
          ? {
              status: r.status,
              progress: Number(r.progress),
              estimatedCompletionAt: isoOf(r.estimated_completion_at),
            }
          : null;
      });
    }, batchOptions);
  }

  /** `tenantId`'s job `jobId` as it is now. @throws NotFoundError when it has no such job. */
  async job(tenantId: string, jobId: string): Promise<Job> {
    const job = await this.jobs.load(keyOf(tenantId, jobId));
    if (!job) throw new NotFoundError('Job', jobId);
    return job;
  }

  /** The status and progress of `tenantId`'s job `jobId`, or null when it has no such job. */
  state(tenantId: string, jobId: string): Promise<JobState | null> {
    return this.states.load(keyOf(tenantId, jobId));
  }
}

/** A datetime column as ISO 8601 (PostgreSQL: Date; SQLite: epoch ms as number or text), or null. */
function isoOf(v: unknown): string | null {
  if (v == null) return null;
  const d =
    v instanceof Date ? v : new Date(typeof v === 'string' && /^\d+$/.test(v) ? +v : (v as string));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
