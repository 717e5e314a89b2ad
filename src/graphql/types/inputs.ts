import { Field, ID, InputType } from 'type-graphql';
import { Diarization } from '../../domain.js';

/** Options for one transcription; omitted fields take the documented defaults. */
@InputType({ description: 'Transcription options; omitted fields take defaults.' })
export class TranscriptionOptionsInput {
  @Field(() => [String], {
    nullable: true,
    description: 'BCP-47 tags, default ["kk-KZ","ru-RU"]; ["auto"] lets the engine choose.',
  })
  languages?: string[] | null;

  @Field(() => Diarization, { nullable: true, description: 'Default AUTO.' })
  diarization?: Diarization | null;

  @Field(() => Boolean, { nullable: true, description: 'Mask profanity; default false.' })
  profanityFilter?: boolean | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Numbers, dates and punctuation in written form; default true.',
  })
  textNormalization?: boolean | null;

  @Field(() => ID, {
    nullable: true,
    description:
      'The speech engine to use (`Engine.id` from `serviceInfo.engines`, e.g. "speechkit", "openai", "demo"); default `serviceInfo.defaultEngine`. An engine that is not enabled here is refused with BAD_USER_INPUT (reason UNKNOWN_ENGINE).',
  })
  engine?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'Default true: when you uploaded the same recording (same bytes, SHA-256) with the same options and engine before, and that job is COMPLETED and not expired, the new job is COMPLETED at once with a copy of its transcript (`Job.reusedFromJobId`), without calling the engine or billing. Only your own jobs are considered. False: transcribe it again.',
  })
  reuse?: boolean | null;
}
