import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

/** Granularity of `Query.usage`. */
export enum UsageGroupByEnum {
  DAY = 'DAY',
  MONTH = 'MONTH',
}

registerEnumType(UsageGroupByEnum, {
  name: 'UsageGroupBy',
  description: 'How `usage` rows are grouped in time (UTC, by upload time).',
  valuesConfig: {
    DAY: { description: 'One row per UTC calendar day (`period` "YYYY-MM-DD").' },
    MONTH: { description: 'One row per UTC calendar month (`period` "YYYY-MM").' },
  },
});

@ObjectType({ description: 'Jobs of a usage row by how they ended.' })
export class UsageJobCounts {
  @Field(() => Int, { description: 'Every job uploaded in the period on this engine.' })
  total!: number;

  @Field(() => Int, {
    description:
      'Jobs that reached COMPLETED (also those that expired since), reused ones included.',
  })
  completed!: number;

  @Field(() => Int, { description: 'Jobs that ended FAILED (see `errors` for their codes).' })
  failed!: number;

  @Field(() => Int, { description: 'Jobs cancelled before they finished.' })
  cancelled!: number;

  @Field(() => Int, {
    description: 'Jobs that reached their retention (EXPIRED) before finishing.',
  })
  expired!: number;

  @Field(() => Int, { description: 'Jobs still QUEUED, TRANSCODING or TRANSCRIBING.' })
  unfinished!: number;

  @Field(() => Int, {
    description:
      'Completed jobs answered with a copy of an identical earlier recording (`Job.reusedFromJobId`): no engine call, nothing billed.',
  })
  reused!: number;
}

@ObjectType({ description: 'FAILED jobs with one error code.' })
export class UsageErrorCount {
  @Field({ description: 'The `Job.errorCode`, e.g. STT_UNAVAILABLE.' })
  code!: string;

  @Field(() => Int, { description: 'Jobs that failed with it.' })
  jobs!: number;
}

@ObjectType({
  description:
    'Usage of one tenant on one engine in one period (UTC day or month of the upload). Audio figures in seconds.',
})
export class UsageRow {
  @Field(() => ID, { description: 'The tenant (your own for an API key).' })
  tenantId!: string;

  @Field(() => ID, { description: 'The engine (`Engine.id`: speechkit, openai, demo).' })
  engine!: string;

  @Field({ description: '"YYYY-MM-DD" for DAY, "YYYY-MM" for MONTH (UTC).' })
  period!: string;

  @Field(() => Date, { description: 'Start of the period (UTC midnight).' })
  periodStart!: Date;

  @Field(() => UsageJobCounts, { description: 'Jobs uploaded in the period, by outcome.' })
  jobs!: UsageJobCounts;

  @Field(() => Float, { description: 'Seconds of audio uploaded (the recordings’ durations).' })
  audioSecondsUploaded!: number;

  @Field(() => Float, {
    description:
      "Seconds of audio billed by the engine's own rule, summed over every request the service made. SpeechKit: per second of two-channel audio, rounded up, at least 15 s per pair of channels per recording. OpenAI-compatible: the duration sent (pauses are not sent). A resumed job is not billed again; a job whose recording was submitted twice is.",
  })
  audioSecondsBilled!: number;

  @Field(() => Int, { description: 'Requests that carried audio to the engine.' })
  engineRequests!: number;

  @Field(() => [UsageErrorCount], { description: 'FAILED jobs by error code, most first.' })
  errors!: UsageErrorCount[];

  @Field(() => Float, {
    nullable: true,
    description:
      'audioSecondsBilled / 60 × pricePerMinute, in `currency`; null when the operator set no price for this engine (STT_PRICE_PER_MINUTE_<ENGINE>). An estimate: the engine’s invoice is authoritative.',
  })
  estimatedCost?: number | null;

  @Field(() => Float, { nullable: true, description: 'Configured price per billed minute.' })
  pricePerMinute?: number | null;

  @Field(() => String, { nullable: true, description: 'ISO 4217 currency of the price and cost.' })
  currency?: string | null;
}
