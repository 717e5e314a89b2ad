import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { Opt } from '@mikro-orm/core';

/**
 * An organisation whose jobs are isolated from every other tenant's. Created with
 * `npm run admin -- tenant create`; quotas left null take the service defaults
 * (`TENANT_AUDIO_HOURS_PER_DAY`, `TENANT_MAX_CONCURRENT_JOBS`).
 */
@Entity({ tableName: 'tenants' })
export class Tenant {
  @PrimaryKey({ type: 'string', length: 64 })
  id!: string;

  @Property({ type: 'string' })
  name!: string;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  /** Hours of audio this tenant may upload per 24 h window (from its first upload in the window); null = service default. */
  @Property({ type: 'double', nullable: true })
  audioHoursPerDay?: number | null;

  /** Jobs this tenant may have unfinished at once; null = service default. */
  @Property({ type: 'integer', nullable: true })
  maxConcurrentJobs?: number | null;
}
