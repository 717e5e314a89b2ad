/**
 * The Relay `Node` interface (GraphQL Global Object Identification,
 * https://relay.dev/graphql/objectidentification.htm): objects a client cache can key and
 * re-fetch by id alone with `node(id:)`. Every id the service hands out is a UUID, unique across
 * all types, so the ids already are global ids and stay the same values the REST routes take.
 */
import { Field, ID, InterfaceType } from 'type-graphql';

/** Type names of the objects that implement {@link Node}. */
export type NodeTypeName = 'Job' | 'Transcript' | 'Speaker' | 'Segment';

/** A root value resolved by `node(id:)`, tagged with its GraphQL type (plain rows carry no class). */
export type NodeValue = { id: string; [NODE_TYPE]?: NodeTypeName };

/** Property under which `node(id:)` tags plain rows with their type name. */
export const NODE_TYPE = Symbol('kazru.nodeType');

/** The interface; rows read as plain objects are told apart by their {@link NODE_TYPE} tag. */
/** Description of every `Node.id` field (each implementing type repeats it on its own `id`). */
export const NODE_ID_DESCRIPTION =
  'Globally unique id (a UUID): `node(id:)` returns this object again; for a job the same value is taken by `job(id:)` and the REST routes.';

@InterfaceType({
  description:
    'An object with a globally unique id (Relay Global Object Identification): fetch any of them again with `node(id:)`. Ids are UUIDs, unique across all types.',
  resolveType: (value: NodeValue) => value[NODE_TYPE] ?? 'Job',
})
export abstract class Node {
  @Field(() => ID, { description: NODE_ID_DESCRIPTION })
  id!: string;
}
