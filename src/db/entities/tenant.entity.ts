import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { Opt } from '@mikro-orm/core';

/** An organisation whose jobs are isolated from every other tenant's. */
@Entity({ tableName: 'tenants' })
export class Tenant {
  @PrimaryKey({ type: 'string', length: 64 })
  id!: string;

  @Property({ type: 'string' })
  name!: string;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();
}
