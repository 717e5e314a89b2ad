/** GraphQL types of the transcript workbench (issue 12): revisions, replace results, live changes. */
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Transcript, TranscriptRevision } from '../../db/entities/index.js';
import type { RevisionRow, TranscriptRow } from '../../services/transcript-reader.js';
import { PageInfo } from './connection.js';

@ObjectType({ description: 'A revision in a RevisionConnection.' })
export class RevisionEdge {
  @Field({ description: 'Pass as `after` to get the revisions older than this one.' })
  cursor!: string;

  @Field(() => TranscriptRevision, { description: 'The revision.' })
  node!: RevisionRow;
}

@ObjectType({ description: 'Revisions of a transcript, newest first (Relay cursor connection).' })
export class RevisionConnection {
  @Field(() => [RevisionEdge], { description: 'This page of revisions.' })
  edges!: RevisionEdge[];

  @Field(() => PageInfo, { description: 'Whether older revisions follow, and the cursors.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many revisions the transcript has in all.' })
  totalCount!: number;
}

@ObjectType({ description: 'What replaceInTranscript did.' })
export class ReplaceResult {
  @Field(() => Transcript, { description: 'The transcript after the replacement.' })
  transcript!: TranscriptRow;

  @Field(() => Int, {
    description: 'How many matches were replaced (0: nothing matched, no revision).',
  })
  replacements!: number;
}

@ObjectType({
  description:
    'A committed change of a transcript, as transcriptChanged delivers it to everyone who has it open.',
})
export class TranscriptChangeEvent {
  @Field(() => ID, { description: 'The transcript that changed.' })
  transcriptId!: string;

  @Field(() => Int, { description: 'Transcript.version after the change.' })
  version!: number;

  @Field(() => [ID], {
    description:
      'Ids of segments this revision removed (merge, delete, the original of a split, revert).',
  })
  removedSegmentIds!: string[];
}
