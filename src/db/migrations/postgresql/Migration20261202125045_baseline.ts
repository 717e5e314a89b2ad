import { Migration } from '@mikro-orm/migrations';

export class Migration20261202125045_baseline extends Migration {
  override name = 'Migration20261202125045_baseline';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "tenants" ("id" varchar(64) not null, "name" varchar(255) not null, "created_at" timestamptz not null, "audio_hours_per_day" double precision null, "max_concurrent_jobs" int null, primary key ("id"));`,
    );

    this.addSql(
      `create table "jobs" ("id" varchar(36) not null, "tenant_id" varchar(64) not null, "filename" varchar(512) not null, "size_bytes" bigint not null, "status" text not null default 'QUEUED', "progress" int not null default 0, "duration_seconds" double precision null, "channels" int null, "format" varchar(255) null, "sample_rate" int null, "options" jsonb not null, "diarization_applied" text null, "error_code" varchar(255) null, "error_message" text null, "attempts" int not null default 0, "engine" varchar(32) not null default 'speechkit', "stt_operation_id" varchar(255) null, "stored_name" varchar(255) not null, "created_at" timestamptz not null, "started_at" timestamptz null, "completed_at" timestamptz null, "expires_at" timestamptz not null, "updated_at" timestamptz not null, "content_sha256" varchar(64) null, "reuse_key" varchar(64) null, "reused_from_job_id" varchar(36) null, "estimated_completion_at" timestamptz null, "transcode_seconds" double precision null, "recognition_seconds" double precision null, "persist_seconds" double precision null, primary key ("id"));`,
    );
    this.addSql(
      `create index "jobs_tenant_id_reuse_key_index" on "jobs" ("tenant_id", "reuse_key");`,
    );
    this.addSql(`create index "jobs_status_expires_at_index" on "jobs" ("status", "expires_at");`);
    this.addSql(
      `create index "jobs_tenant_id_created_at_index" on "jobs" ("tenant_id", "created_at");`,
    );
    this.addSql(
      `alter table "jobs" add constraint "jobs_status_check" check ("status" in ('QUEUED', 'TRANSCODING', 'TRANSCRIBING', 'COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED'));`,
    );
    this.addSql(
      `alter table "jobs" add constraint "jobs_diarization_applied_check" check ("diarization_applied" in ('AUTO', 'NONE', 'SPEAKER_LABELING', 'CHANNELS'));`,
    );

    this.addSql(
      `create table "recognition_units" ("id" varchar(48) not null, "job_id" varchar(36) not null, "index" int not null, "channel" int not null, "start_seconds" double precision not null, "end_seconds" double precision not null, "engine" varchar(32) not null, "raw_result" text null, "billed_seconds" double precision not null default 0, "attempts" int not null default 0, "completed_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "recognition_units_job_id_index_index" on "recognition_units" ("job_id", "index");`,
    );

    this.addSql(
      `create table "api_keys" ("id" varchar(36) not null, "tenant_id" varchar(64) not null, "name" varchar(200) not null, "prefix" varchar(16) not null, "hash" varchar(64) not null, "created_at" timestamptz not null, "expires_at" timestamptz null, "revoked_at" timestamptz null, "last_used_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(`create index "api_keys_hash_index" on "api_keys" ("hash");`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_hash_unique" unique ("hash");`);

    this.addSql(
      `create table "transcripts" ("id" varchar(36) not null, "job_id" varchar(36) not null, "text" text not null, "languages" jsonb not null, "created_at" timestamptz not null, "version" int not null default 1, primary key ("id"));`,
    );
    this.addSql(
      `alter table "transcripts" add constraint "transcripts_job_id_unique" unique ("job_id");`,
    );

    this.addSql(
      `create table "speakers" ("id" varchar(36) not null, "transcript_id" varchar(36) not null, "tag" varchar(16) not null, "ordinal" int not null, "label" varchar(200) not null, "speaking_seconds" double precision not null, "segment_count" int not null, "version" int not null default 1, primary key ("id"));`,
    );
    this.addSql(`create index "speakers_transcript_id_index" on "speakers" ("transcript_id");`);
    this.addSql(
      `alter table "speakers" add constraint "speakers_transcript_id_tag_unique" unique ("transcript_id", "tag");`,
    );

    this.addSql(
      `create table "segments" ("id" varchar(36) not null, "transcript_id" varchar(36) not null, "index" int not null, "speaker_id" varchar(36) not null, "start" double precision not null, "end" double precision not null, "text" text not null, "language" varchar(16) null, "confidence" double precision null, "version" int not null default 1, "edited" boolean not null default false, primary key ("id"));`,
    );
    this.addSql(
      `create index "segments_transcript_id_index_index" on "segments" ("transcript_id", "index");`,
    );

    this.addSql(
      `create table "transcript_revisions" ("id" varchar(36) not null, "transcript_id" varchar(36) not null, "number" int not null, "created_at" timestamptz not null, "author" varchar(200) null, "kind" varchar(32) not null, "summary" varchar(500) not null, "change" jsonb not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "transcript_revisions_transcript_id_number_index" on "transcript_revisions" ("transcript_id", "number");`,
    );
    this.addSql(
      `alter table "transcript_revisions" add constraint "transcript_revisions_transcript_id_number_unique" unique ("transcript_id", "number");`,
    );

    this.addSql(
      `create table "webhook_endpoints" ("id" varchar(36) not null, "tenant_id" varchar(64) not null, "url" varchar(2048) not null, "description" varchar(500) null, "events" jsonb not null, "enabled" boolean not null default true, "disabled_reason" varchar(200) null, "secret" varchar(100) not null, "previous_secret" varchar(100) null, "previous_secret_expires_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_endpoints_tenant_id_created_at_index" on "webhook_endpoints" ("tenant_id", "created_at");`,
    );

    this.addSql(
      `create table "webhook_events" ("id" varchar(40) not null, "tenant_id" varchar(64) not null, "type" varchar(32) not null, "payload" text not null, "created_at" timestamptz not null, "dispatched_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_events_tenant_id_created_at_index" on "webhook_events" ("tenant_id", "created_at");`,
    );
    this.addSql(
      `create index "webhook_events_dispatched_at_index" on "webhook_events" ("dispatched_at");`,
    );

    this.addSql(
      `create table "webhook_deliveries" ("id" varchar(36) not null, "event_id" varchar(40) not null, "endpoint_id" varchar(36) not null, "event_type" text not null, "status" text not null default 'PENDING', "attempts" int not null default 0, "next_attempt_at" timestamptz null, "locked_until" timestamptz null, "last_outcome" text null, "last_status_code" int null, "last_latency_ms" int null, "last_error" varchar(500) null, "created_at" timestamptz not null, "delivered_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_deliveries_endpoint_id_created_at_index" on "webhook_deliveries" ("endpoint_id", "created_at");`,
    );
    this.addSql(
      `create index "webhook_deliveries_status_next_attempt_at_index" on "webhook_deliveries" ("status", "next_attempt_at");`,
    );
    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_event_id_endpoint_id_unique" unique ("event_id", "endpoint_id");`,
    );
    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_event_type_check" check ("event_type" in ('job.completed', 'job.failed', 'job.cancelled', 'job.expired', 'transcript.edited'));`,
    );
    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_status_check" check ("status" in ('PENDING', 'DELIVERED', 'FAILED'));`,
    );
    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_last_outcome_check" check ("last_outcome" in ('SUCCESS', 'HTTP_ERROR', 'REDIRECT_NOT_FOLLOWED', 'GONE', 'TIMEOUT', 'NETWORK_ERROR', 'ADDRESS_REFUSED', 'URL_REFUSED'));`,
    );

    this.addSql(
      `create table "webhook_attempts" ("id" varchar(36) not null, "delivery_id" varchar(36) not null, "number" int not null, "started_at" timestamptz not null, "outcome" text not null, "status_code" int null, "latency_ms" int not null, "error" varchar(500) null, primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_attempts_delivery_id_number_index" on "webhook_attempts" ("delivery_id", "number");`,
    );
    this.addSql(
      `alter table "webhook_attempts" add constraint "webhook_attempts_outcome_check" check ("outcome" in ('SUCCESS', 'HTTP_ERROR', 'REDIRECT_NOT_FOLLOWED', 'GONE', 'TIMEOUT', 'NETWORK_ERROR', 'ADDRESS_REFUSED', 'URL_REFUSED'));`,
    );

    this.addSql(
      `create table "words" ("id" serial primary key, "segment_id" varchar(36) not null, "index" int not null, "text" varchar(200) not null, "start" double precision not null, "end" double precision not null);`,
    );
    this.addSql(`create index "words_segment_id_index_index" on "words" ("segment_id", "index");`);

    this.addSql(
      `alter table "jobs" add constraint "jobs_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on delete cascade;`,
    );

    this.addSql(
      `alter table "recognition_units" add constraint "recognition_units_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on delete cascade;`,
    );

    this.addSql(
      `alter table "api_keys" add constraint "api_keys_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on delete cascade;`,
    );

    this.addSql(
      `alter table "transcripts" add constraint "transcripts_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on delete cascade;`,
    );

    this.addSql(
      `alter table "speakers" add constraint "speakers_transcript_id_foreign" foreign key ("transcript_id") references "transcripts" ("id") on delete cascade;`,
    );

    this.addSql(
      `alter table "segments" add constraint "segments_transcript_id_foreign" foreign key ("transcript_id") references "transcripts" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "segments" add constraint "segments_speaker_id_foreign" foreign key ("speaker_id") references "speakers" ("id") on delete cascade;`,
    );

    this.addSql(
      `alter table "transcript_revisions" add constraint "transcript_revisions_transcript_id_foreign" foreign key ("transcript_id") references "transcripts" ("id") on delete cascade;`,
    );

    this.addSql(
      `alter table "webhook_endpoints" add constraint "webhook_endpoints_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on delete cascade;`,
    );

    this.addSql(
      `alter table "webhook_events" add constraint "webhook_events_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on delete cascade;`,
    );

    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_event_id_foreign" foreign key ("event_id") references "webhook_events" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_endpoint_id_foreign" foreign key ("endpoint_id") references "webhook_endpoints" ("id") on delete cascade;`,
    );

    this.addSql(
      `alter table "webhook_attempts" add constraint "webhook_attempts_delivery_id_foreign" foreign key ("delivery_id") references "webhook_deliveries" ("id") on delete cascade;`,
    );

    this.addSql(
      `alter table "words" add constraint "words_segment_id_foreign" foreign key ("segment_id") references "segments" ("id") on delete cascade;`,
    );
  }
}
