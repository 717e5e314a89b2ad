/**
 * The job as of a progress event, read once per event and shared by every subscriber the event
 * is delivered to. The Redis event target parses each published message once and hands the same
 * object to every listener in this process, so the event object is the key: 1,000 subscribers
 * selecting `jobProgress { job { … } }` cost one database read per event, not 1,000 (a job has
 * one tenant, so keying by tenant too keeps every read tenant-scoped at no cost).
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Job } from '../db/entities/index.js';
import { NotFoundError } from '../errors.js';
import type { JobProgressPayload } from '../jobs/events.js';
import type { JobService } from '../services/job.service.js';

/** Per-event job reads (see the module comment). Entries go with their event objects. */
export class JobSnapshots {
  private readonly byEvent = new WeakMap<JobProgressPayload, Map<string, Promise<Job | null>>>();

  /** @param fork a fresh EntityManager per read (events outlive requests). */
  constructor(
    private readonly jobs: JobService,
    private readonly fork: () => EntityManager,
  ) {}

  /**
   * The job `event` is about, as it was when first asked for this event.
   * @throws NotFoundError when the job is gone or is not `tenantId`'s.
   */
  async of(event: JobProgressPayload, tenantId: string): Promise<Job> {
    let byTenant = this.byEvent.get(event);
    if (!byTenant) this.byEvent.set(event, (byTenant = new Map()));
    let read = byTenant.get(tenantId);
    if (!read) {
      read = this.jobs.find(this.fork(), tenantId, event.jobId);
      byTenant.set(tenantId, read);
    }
    const job = await read;
    if (!job) throw new NotFoundError('Job', event.jobId);
    return job;
  }
}
