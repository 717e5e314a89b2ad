/**
 * Builds the executable GraphQL schema from the resolvers. `schema.graphql` at the repository
 * root is this schema printed (see `emit-schema.ts`); a test fails when they drift.
 */
import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import './types/enums.js';
import { JobProgressEventResolver, JobResolver } from './resolvers/job.resolver.js';
import { SearchResolver } from './resolvers/search.resolver.js';
import { ServiceInfoResolver } from './resolvers/service.resolver.js';
import { UsageResolver } from './resolvers/usage.resolver.js';
import { SegmentResolver, TranscriptResolver } from './resolvers/transcript.resolver.js';
import {
  TranscriptChangeEventResolver,
  TranscriptHistoryResolver,
  WorkbenchResolver,
} from './resolvers/workbench.resolver.js';

/** Builds the schema (validates resolvers; throws on a broken resolver definition). */
export async function buildAppSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [
      JobResolver,
      JobProgressEventResolver,
      TranscriptResolver,
      SegmentResolver,
      ServiceInfoResolver,
      SearchResolver,
      TranscriptHistoryResolver,
      WorkbenchResolver,
      TranscriptChangeEventResolver,
      UsageResolver,
    ],
    validate: false,
    // Subscriptions use their own `subscribe` (state first, then Redis events); type-graphql
    // still insists on a pubSub, which is never used.
    pubSub: {
      publish: () => {
        throw new Error('unused: job events go through src/jobs/events.ts');
      },
      subscribe: () => {
        throw new Error('unused: job events go through src/jobs/events.ts');
      },
    },
    // The contract names the scalar `DateTime` (ISO 8601 strings).
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
  });
}

/** The schema as SDL, sorted so that the committed file diffs cleanly. */
export function printAppSchema(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
