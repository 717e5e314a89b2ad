import { Migration } from '@mikro-orm/migrations';

export class Migration20261202125045_baseline extends Migration {
  override name = 'Migration20261202125045_baseline';

  override up(): void | Promise<void> {
    this.addSql(
      `create table \`tenants\` (\`id\` text not null primary key, \`name\` text not null, \`created_at\` datetime not null, \`audio_hours_per_day\` double null, \`max_concurrent_jobs\` integer null);`,
    );

    this.addSql(
      `create table \`jobs\` (\`id\` text not null primary key, \`tenant_id\` text not null, \`filename\` text not null, \`size_bytes\` bigint not null, \`status\` text check (\`status\` in ('QUEUED', 'TRANSCODING', 'TRANSCRIBING', 'COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED')) not null default 'QUEUED', \`progress\` integer not null default 0, \`duration_seconds\` double null, \`channels\` integer null, \`format\` text null, \`sample_rate\` integer null, \`options\` json not null, \`diarization_applied\` text check (\`diarization_applied\` in ('AUTO', 'NONE', 'SPEAKER_LABELING', 'CHANNELS')) null, \`error_code\` text null, \`error_message\` text null, \`attempts\` integer not null default 0, \`engine\` text not null default 'speechkit', \`stt_operation_id\` text null, \`stored_name\` text not null, \`created_at\` datetime not null, \`started_at\` datetime null, \`completed_at\` datetime null, \`expires_at\` datetime not null, \`updated_at\` datetime not null, \`content_sha256\` text null, \`reuse_key\` text null, \`reused_from_job_id\` text null, \`estimated_completion_at\` datetime null, \`transcode_seconds\` double null, \`recognition_seconds\` double null, \`persist_seconds\` double null, constraint \`jobs_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade);`,
    );
    this.addSql(`create index \`jobs_tenant_id_index\` on \`jobs\` (\`tenant_id\`);`);
    this.addSql(
      `create index \`jobs_tenant_id_reuse_key_index\` on \`jobs\` (\`tenant_id\`, \`reuse_key\`);`,
    );
    this.addSql(
      `create index \`jobs_status_expires_at_index\` on \`jobs\` (\`status\`, \`expires_at\`);`,
    );
    this.addSql(
      `create index \`jobs_tenant_id_created_at_index\` on \`jobs\` (\`tenant_id\`, \`created_at\`);`,
    );

    this.addSql(
      `create table \`recognition_units\` (\`id\` text not null primary key, \`job_id\` text not null, \`index\` integer not null, \`channel\` integer not null, \`start_seconds\` double not null, \`end_seconds\` double not null, \`engine\` text not null, \`raw_result\` text null, \`billed_seconds\` double not null default 0, \`attempts\` integer not null default 0, \`completed_at\` datetime null, \`created_at\` datetime not null, constraint \`recognition_units_job_id_foreign\` foreign key (\`job_id\`) references \`jobs\` (\`id\`) on delete cascade);`,
    );
    this.addSql(
      `create index \`recognition_units_job_id_index\` on \`recognition_units\` (\`job_id\`);`,
    );
    this.addSql(
      `create index \`recognition_units_job_id_index_index\` on \`recognition_units\` (\`job_id\`, \`index\`);`,
    );

    this.addSql(
      `create table \`api_keys\` (\`id\` text not null primary key, \`tenant_id\` text not null, \`name\` text not null, \`prefix\` text not null, \`hash\` text not null, \`created_at\` datetime not null, \`expires_at\` datetime null, \`revoked_at\` datetime null, \`last_used_at\` datetime null, constraint \`api_keys_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade);`,
    );
    this.addSql(`create index \`api_keys_tenant_id_index\` on \`api_keys\` (\`tenant_id\`);`);
    this.addSql(`create index \`api_keys_hash_index\` on \`api_keys\` (\`hash\`);`);
    this.addSql(`create unique index \`api_keys_hash_unique\` on \`api_keys\` (\`hash\`);`);

    this.addSql(
      `create table \`transcripts\` (\`id\` text not null primary key, \`job_id\` text not null, \`text\` text not null, \`languages\` json not null, \`created_at\` datetime not null, \`version\` integer not null default 1, constraint \`transcripts_job_id_foreign\` foreign key (\`job_id\`) references \`jobs\` (\`id\`) on delete cascade);`,
    );
    this.addSql(
      `create unique index \`transcripts_job_id_unique\` on \`transcripts\` (\`job_id\`);`,
    );

    this.addSql(
      `create table \`speakers\` (\`id\` text not null primary key, \`transcript_id\` text not null, \`tag\` text not null, \`ordinal\` integer not null, \`label\` text not null, \`speaking_seconds\` double not null, \`segment_count\` integer not null, \`version\` integer not null default 1, constraint \`speakers_transcript_id_foreign\` foreign key (\`transcript_id\`) references \`transcripts\` (\`id\`) on delete cascade);`,
    );
    this.addSql(
      `create index \`speakers_transcript_id_index\` on \`speakers\` (\`transcript_id\`);`,
    );
    this.addSql(
      `create unique index \`speakers_transcript_id_tag_unique\` on \`speakers\` (\`transcript_id\`, \`tag\`);`,
    );

    this.addSql(
      `create table \`segments\` (\`id\` text not null primary key, \`transcript_id\` text not null, \`index\` integer not null, \`speaker_id\` text not null, \`start\` double not null, \`end\` double not null, \`text\` text not null, \`language\` text null, \`confidence\` double null, \`version\` integer not null default 1, \`edited\` integer not null default false, constraint \`segments_transcript_id_foreign\` foreign key (\`transcript_id\`) references \`transcripts\` (\`id\`) on delete cascade, constraint \`segments_speaker_id_foreign\` foreign key (\`speaker_id\`) references \`speakers\` (\`id\`) on delete cascade);`,
    );
    this.addSql(
      `create index \`segments_transcript_id_index\` on \`segments\` (\`transcript_id\`);`,
    );
    this.addSql(`create index \`segments_speaker_id_index\` on \`segments\` (\`speaker_id\`);`);
    this.addSql(
      `create index \`segments_transcript_id_index_index\` on \`segments\` (\`transcript_id\`, \`index\`);`,
    );

    this.addSql(
      `create table \`transcript_revisions\` (\`id\` text not null primary key, \`transcript_id\` text not null, \`number\` integer not null, \`created_at\` datetime not null, \`author\` text null, \`kind\` text not null, \`summary\` text not null, \`change\` json not null, constraint \`transcript_revisions_transcript_id_foreign\` foreign key (\`transcript_id\`) references \`transcripts\` (\`id\`) on delete cascade);`,
    );
    this.addSql(
      `create index \`transcript_revisions_transcript_id_index\` on \`transcript_revisions\` (\`transcript_id\`);`,
    );
    this.addSql(
      `create index \`transcript_revisions_transcript_id_number_index\` on \`transcript_revisions\` (\`transcript_id\`, \`number\`);`,
    );
    this.addSql(
      `create unique index \`transcript_revisions_transcript_id_number_unique\` on \`transcript_revisions\` (\`transcript_id\`, \`number\`);`,
    );

    this.addSql(
      `create table \`webhook_endpoints\` (\`id\` text not null primary key, \`tenant_id\` text not null, \`url\` text not null, \`description\` text null, \`events\` json not null, \`enabled\` integer not null default true, \`disabled_reason\` text null, \`secret\` text not null, \`previous_secret\` text null, \`previous_secret_expires_at\` datetime null, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`webhook_endpoints_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade);`,
    );
    this.addSql(
      `create index \`webhook_endpoints_tenant_id_index\` on \`webhook_endpoints\` (\`tenant_id\`);`,
    );
    this.addSql(
      `create index \`webhook_endpoints_tenant_id_created_at_index\` on \`webhook_endpoints\` (\`tenant_id\`, \`created_at\`);`,
    );

    this.addSql(
      `create table \`webhook_events\` (\`id\` text not null primary key, \`tenant_id\` text not null, \`type\` text not null, \`payload\` text not null, \`created_at\` datetime not null, \`dispatched_at\` datetime null, constraint \`webhook_events_tenant_id_foreign\` foreign key (\`tenant_id\`) references \`tenants\` (\`id\`) on delete cascade);`,
    );
    this.addSql(
      `create index \`webhook_events_tenant_id_index\` on \`webhook_events\` (\`tenant_id\`);`,
    );
    this.addSql(
      `create index \`webhook_events_tenant_id_created_at_index\` on \`webhook_events\` (\`tenant_id\`, \`created_at\`);`,
    );
    this.addSql(
      `create index \`webhook_events_dispatched_at_index\` on \`webhook_events\` (\`dispatched_at\`);`,
    );

    this.addSql(
      `create table \`webhook_deliveries\` (\`id\` text not null primary key, \`event_id\` text not null, \`endpoint_id\` text not null, \`event_type\` text check (\`event_type\` in ('job.completed', 'job.failed', 'job.cancelled', 'job.expired', 'transcript.edited')) not null, \`status\` text check (\`status\` in ('PENDING', 'DELIVERED', 'FAILED')) not null default 'PENDING', \`attempts\` integer not null default 0, \`next_attempt_at\` datetime null, \`locked_until\` datetime null, \`last_outcome\` text check (\`last_outcome\` in ('SUCCESS', 'HTTP_ERROR', 'REDIRECT_NOT_FOLLOWED', 'GONE', 'TIMEOUT', 'NETWORK_ERROR', 'ADDRESS_REFUSED', 'URL_REFUSED')) null, \`last_status_code\` integer null, \`last_latency_ms\` integer null, \`last_error\` text null, \`created_at\` datetime not null, \`delivered_at\` datetime null, constraint \`webhook_deliveries_event_id_foreign\` foreign key (\`event_id\`) references \`webhook_events\` (\`id\`) on delete cascade, constraint \`webhook_deliveries_endpoint_id_foreign\` foreign key (\`endpoint_id\`) references \`webhook_endpoints\` (\`id\`) on delete cascade);`,
    );
    this.addSql(
      `create index \`webhook_deliveries_event_id_index\` on \`webhook_deliveries\` (\`event_id\`);`,
    );
    this.addSql(
      `create index \`webhook_deliveries_endpoint_id_index\` on \`webhook_deliveries\` (\`endpoint_id\`);`,
    );
    this.addSql(
      `create index \`webhook_deliveries_endpoint_id_created_at_index\` on \`webhook_deliveries\` (\`endpoint_id\`, \`created_at\`);`,
    );
    this.addSql(
      `create index \`webhook_deliveries_status_next_attempt_at_index\` on \`webhook_deliveries\` (\`status\`, \`next_attempt_at\`);`,
    );
    this.addSql(
      `create unique index \`webhook_deliveries_event_id_endpoint_id_unique\` on \`webhook_deliveries\` (\`event_id\`, \`endpoint_id\`);`,
    );

    this.addSql(
      `create table \`webhook_attempts\` (\`id\` text not null primary key, \`delivery_id\` text not null, \`number\` integer not null, \`started_at\` datetime not null, \`outcome\` text check (\`outcome\` in ('SUCCESS', 'HTTP_ERROR', 'REDIRECT_NOT_FOLLOWED', 'GONE', 'TIMEOUT', 'NETWORK_ERROR', 'ADDRESS_REFUSED', 'URL_REFUSED')) not null, \`status_code\` integer null, \`latency_ms\` integer not null, \`error\` text null, constraint \`webhook_attempts_delivery_id_foreign\` foreign key (\`delivery_id\`) references \`webhook_deliveries\` (\`id\`) on delete cascade);`,
    );
    this.addSql(
      `create index \`webhook_attempts_delivery_id_index\` on \`webhook_attempts\` (\`delivery_id\`);`,
    );
    this.addSql(
      `create index \`webhook_attempts_delivery_id_number_index\` on \`webhook_attempts\` (\`delivery_id\`, \`number\`);`,
    );

    this.addSql(
      `create table \`words\` (\`id\` integer not null primary key autoincrement, \`segment_id\` text not null, \`index\` integer not null, \`text\` text not null, \`start\` double not null, \`end\` double not null, constraint \`words_segment_id_foreign\` foreign key (\`segment_id\`) references \`segments\` (\`id\`) on delete cascade);`,
    );
    this.addSql(`create index \`words_segment_id_index\` on \`words\` (\`segment_id\`);`);
    this.addSql(
      `create index \`words_segment_id_index_index\` on \`words\` (\`segment_id\`, \`index\`);`,
    );
  }
}
