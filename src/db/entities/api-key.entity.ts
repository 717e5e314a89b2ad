import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { Opt, Rel } from '@mikro-orm/core';
import { Tenant } from './tenant.entity.js';

/**
 * A partner API key. The key itself is shown once, when created; only its SHA-256 hash is stored
 * (keys are 256-bit random, so a fast hash is enough — the same choice as GitHub tokens).
 */
@Entity({ tableName: 'api_keys' })
export class ApiKey {
  @PrimaryKey({ type: 'string', length: 36 })
  id!: string;

  @ManyToOne(() => Tenant, { deleteRule: 'cascade' })
  tenant!: Rel<Tenant>;

  /** What the key is for, e.g. "crm-prod". */
  @Property({ type: 'string', length: 200 })
  name!: string;

  /** First characters of the key (`kzr_AbCd…`), shown in listings to tell keys apart. */
  @Property({ type: 'string', length: 16 })
  prefix!: string;

  /** Lower-case hex SHA-256 of the whole key. */
  @Index()
  @Property({ type: 'string', length: 64, unique: true })
  hash!: string;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  /** After this instant the key is refused; null = never expires. */
  @Property({ type: 'datetime', nullable: true })
  expiresAt?: Date | null;

  /** Set by `key revoke`; a revoked key is refused at once. */
  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date | null;

  /** Last successful use, updated at most once a minute. */
  @Property({ type: 'datetime', nullable: true })
  lastUsedAt?: Date | null;
}
