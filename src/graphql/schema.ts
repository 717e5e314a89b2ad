/**
 * Builds the executable GraphQL schema from the resolvers. `schema.graphql` at the repository
 * root is this schema printed (see `emit-schema.ts`); a test fails when they drift.
 */
import 'reflect-metadata';
import { GraphQLObjectType, GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import './types/enums.js';
import { JobProgressEventResolver, JobResolver } from './resolvers/job.resolver.js';
import { NodeResolver } from './resolvers/node.resolver.js';
import { SearchResolver } from './resolvers/search.resolver.js';
import { ServiceInfoResolver } from './resolvers/service.resolver.js';
import { UsageResolver } from './resolvers/usage.resolver.js';
import { SegmentResolver, TranscriptResolver } from './resolvers/transcript.resolver.js';
import { WebhookDeliveryResolver, WebhookEndpointResolver } from './resolvers/webhook.resolver.js';
import {
  TranscriptChangeEventResolver,
  TranscriptHistoryResolver,
  WorkbenchResolver,
} from './resolvers/workbench.resolver.js';

/** Builds the schema (validates resolvers; throws on a broken resolver definition). */
export async function buildAppSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [
      JobResolver,
      NodeResolver,
      JobProgressEventResolver,
      TranscriptResolver,
      SegmentResolver,
      ServiceInfoResolver,
      SearchResolver,
      TranscriptHistoryResolver,
      WorkbenchResolver,
      TranscriptChangeEventResolver,
      WebhookEndpointResolver,
      WebhookDeliveryResolver,
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
  return describeRootTypes(schema);
}

const ROOT_DESCRIPTIONS = {
  query:
    'Reads: jobs, transcripts (through `job`), search, service limits. Over HTTP POST; send `Authorization: Bearer <API key>` when the server requires keys.',
  mutation:
    'Changes: uploads (GraphQL multipart request with the Apollo-Require-Preflight header), cancelling and deleting jobs, transcript corrections and speaker renames. Over HTTP POST only.',
  subscription:
    'Live updates over WebSocket (graphql-ws protocol, `graphql-transport-ws`) at the same /graphql path; the WebSocket serves subscriptions only.',
} as const;

/**
 * type-graphql gives the root types no description: the same schema with the three root types
 * described (field resolvers and subscribe functions are carried over unchanged).
 */
function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  const config = schema.toConfig();
  const roots = [config.query, config.mutation, config.subscription];
  const describe = (t: GraphQLObjectType | null | undefined, description: string) =>
    t ? new GraphQLObjectType({ ...t.toConfig(), description }) : t;
  return new GraphQLSchema({
    ...config,
    query: describe(config.query, ROOT_DESCRIPTIONS.query),
    mutation: describe(config.mutation, ROOT_DESCRIPTIONS.mutation),
    subscription: describe(config.subscription, ROOT_DESCRIPTIONS.subscription),
    types: config.types.filter((t) => !roots.includes(t as GraphQLObjectType)),
  });
}

/** The schema as SDL, sorted so that the committed file diffs cleanly. */
export function printAppSchema(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
