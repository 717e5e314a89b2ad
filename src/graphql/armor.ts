/**
 * Hostile-GraphQL limits, the same on HTTP (Apollo Server) and WebSocket (graphql-ws).
 *
 * - Depth, aliases, cost and directives: GraphQL Armor's validation rules
 *   (@escape.tech/graphql-armor 3.2.0; max-depth 2.4.2 carries the fixes for the 2025 bypasses
 *   GHSA-hmfr-rx46-4jx2 and GHSA-224p-v68g-5g8f). A rejection is reported to the validation
 *   context, so Apollo answers HTTP 400 `GRAPHQL_VALIDATION_FAILED` and graphql-ws an `error`
 *   message with the same code; `extensions.reason` says which limit ({@link LimitReason}).
 * - Tokens: graphql-js's own `parse(source, { maxTokens })` (graphql 16.15.0 `ParseOptions`), which
 *   counts lexer tokens like Armor's max-tokens plugin does. Armor's Apollo max-tokens plugin
 *   throws inside `parsingDidStart`, which Apollo answers as HTTP 500 (reproduced on Apollo 5.5.1);
 *   Apollo passes `parseOptions` to `parse` inside its own try/catch, which answers HTTP 400
 *   `GRAPHQL_PARSE_FAILED`.
 * - Aliases: Armor exempts `__typename` by default (`allowList: ['__typename']`), so 101 aliases
 *   of `__typename` pass and graphql-cop's "Alias Overloading" probe reports the server. No
 *   client of ours aliases `__typename`, so the allow list is emptied: every alias counts.
 * - Duplicated fields (`{ id id id … }`) are not limited on purpose: graphql-js merges fields with
 *   the same response name before execution, so 500 copies resolve once; what they cost is
 *   validation (OverlappingFieldsCanBeMergedRule), bounded by the token limit and by graphql-js's
 *   own budget (998 copies of `__typename` → "Validation aborted.", HTTP 400). The worst document
 *   under 1000 tokens measured about 50 ms of validation (tests/security/graphql-abuse.test.ts
 *   prints the figures).
 * - WebSocket: graphql-ws runs only graphql-js `validate(schema, document)` by default (its
 *   `src/server.ts`), so Apollo's rules never reach it. {@link GraphQLArmor.prepareSubscribe} is
 *   its `onSubscribe`: parse with the token limit, validate with graphql-js `specifiedRules` (they
 *   hold NoFragmentCyclesRule and MaxIntrospectionDepthRule) plus the rules above, coerce the
 *   variables, and accept only subscriptions (queries and mutations go over HTTP, where CSRF
 *   prevention and the per-request rate limits apply).
 *
 * Defaults (config `GRAPHQL_MAX_*`) leave room above every query the client and GraphiQL send;
 * the largest, GraphiQL's introspection query, is about 160 tokens (ignored by depth and cost),
 * and a job with its transcript, speakers and words has depth 5 and cost about 145.
 */
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  OperationTypeNode,
  getOperationAST,
  getVariableValues,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config/config.js';

/** The `graphql` section of the configuration. */
export type GraphQLLimits = Config['graphql'];

/** `extensions.reason` of a document refused by a limit. */
export type LimitReason =
  'MAX_DEPTH' | 'MAX_ALIASES' | 'MAX_COST' | 'MAX_DIRECTIVES' | 'MAX_TOKENS';

/** `extensions.code` values this module puts on refused documents (Apollo's vocabulary). */
export type DocumentErrorCode =
  'GRAPHQL_PARSE_FAILED' | 'GRAPHQL_VALIDATION_FAILED' | 'BAD_REQUEST';

/** What a graphql-ws client sends in a `subscribe` message (graphql-ws `SubscribePayload`). */
export interface SubscribePayload {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/** Execution arguments for graphql-ws, without `contextValue` (graphql-ws adds its `context`). */
export interface PreparedOperation {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: Record<string, unknown> | null;
}

/** The limits, ready for both transports. */
export interface GraphQLArmor {
  /**
   * Options to spread into `new ApolloServer({...})`: Armor's validation rules (Apollo adds
   * graphql-js `specifiedRules` itself), the token limit, introspection.
   */
  apolloOptions: {
    validationRules: ValidationRule[];
    parseOptions: ParseOptions;
    introspection: boolean;
  };
  /** Everything graphql-ws must validate with: `specifiedRules`, Armor's, introspection. */
  wsValidationRules: readonly ValidationRule[];
  /**
   * Parses, validates and checks one graphql-ws `subscribe` payload.
   * @returns the execution arguments, or errors carrying `extensions.code`
   *   (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, BAD_USER_INPUT for variables,
   *   BAD_REQUEST for a query or mutation) to send back as the `error` message. Never throws
   *   for anything the client sent.
   */
  prepareSubscribe(
    schema: GraphQLSchema,
    payload: SubscribePayload,
  ): PreparedOperation | readonly GraphQLError[];
}

/** Distinct subscription documents kept parsed and validated (see `prepareSubscribe`). */
const DOCUMENT_CACHE_ENTRIES = 500;

/** Text that replaces a "Did you mean …?" suggestion (GraphQL Armor's default mask). */
export const SUGGESTION_MASK = '[Suggestion hidden]';

/** Whether field suggestions are hidden: in production, and whenever introspection is off. */
export function masksSuggestions(nodeEnv: Config['nodeEnv'], limits: GraphQLLimits): boolean {
  return nodeEnv === 'production' || !limits.introspection;
}

const HINT = 'Simplify the operation or split it into several requests.';

/** Armor's reject callback: one coded, readable validation error instead of a throw. */
function reportAs(reason: LimitReason) {
  return (ctx: ValidationContext | null, error: GraphQLError): void => {
    ctx?.reportError(
      new GraphQLError(`${error.message.replace(/^Syntax Error: /, '')} ${HINT}`, {
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', reason },
      }),
    );
  };
}

/** graphql-js's token-limit message (graphql 16.15.0 `Parser.advanceLexer`; note "more that"). */
const TOKEN_LIMIT_MESSAGE = /Document contains more tha[nt] (\d+) tokens/;

/**
 * Recognises graphql-js's token-limit parse error and rewords it.
 * @returns the message and reason to answer with, or `undefined` for any other message.
 */
export function describeTokenLimit(
  message: string,
): { message: string; reason: LimitReason } | undefined {
  const m = TOKEN_LIMIT_MESSAGE.exec(message);
  if (!m) return undefined;
  return {
    message: `Token limit of ${m[1]} exceeded: the document is too long. ${HINT}`,
    reason: 'MAX_TOKENS',
  };
}

/** Copies a graphql-js error with an `extensions.code` (and keeps its locations). */
function coded(error: GraphQLError, code: DocumentErrorCode | 'BAD_USER_INPUT'): GraphQLError {
  const tokens = code === 'GRAPHQL_PARSE_FAILED' ? describeTokenLimit(error.message) : undefined;
  return new GraphQLError(tokens?.message ?? error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    originalError: error.originalError,
    extensions: {
      ...error.extensions,
      code,
      ...(tokens ? { reason: tokens.reason } : {}),
    },
  });
}

/**
 * Builds the limits from `config.graphql`.
 * @param limits maximum depth, aliases, cost, directives and tokens; whether introspection is on.
 */
export function createArmor(limits: GraphQLLimits): GraphQLArmor {
  const common = { propagateOnRejection: false, exposeLimits: true } as const;
  const { validationRules } = new ApolloArmor({
    maxDepth: { ...common, n: limits.maxDepth, onReject: [reportAs('MAX_DEPTH')] },
    maxAliases: {
      ...common,
      n: limits.maxAliases,
      allowList: [],
      onReject: [reportAs('MAX_ALIASES')],
    },
    costLimit: { ...common, maxCost: limits.maxCost, onReject: [reportAs('MAX_COST')] },
    maxDirectives: { ...common, n: limits.maxDirectives, onReject: [reportAs('MAX_DIRECTIVES')] },
    // Token limit: graphql-js parseOptions below (Armor's Apollo plugin answers 500).
    maxTokens: { enabled: false },
    // Suggestions: masked in formatError on both transports (src/graphql/errors.ts).
    blockFieldSuggestion: { enabled: false },
  }).protect();
  const parseOptions: ParseOptions = { maxTokens: limits.maxTokens };
  const wsValidationRules = [
    ...specifiedRules,
    ...validationRules,
    ...(limits.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];

  /**
   * Parsed and validated subscription documents by operation name and text. Every browser tab
   * subscribes with the same few documents; one immutable AST for all of them (instead of one
   * per subscription, with its token list) saves memory and a validation per subscribe.
   */
  const documents = new LRUCache<string, DocumentNode | readonly GraphQLError[]>({
    max: DOCUMENT_CACHE_ENTRIES,
  });

  function checkedDocument(payload: SubscribePayload): DocumentNode | readonly GraphQLError[] {
    const key = `${payload.operationName ?? ''}\n${payload.query}`;
    let checked = documents.get(key);
    if (!checked) {
      checked = parseAndValidate(payload);
      documents.set(key, checked);
    }
    return checked;
  }

  function parseAndValidate(payload: SubscribePayload): DocumentNode | readonly GraphQLError[] {
    let document: DocumentNode;
    try {
      document = parse(payload.query, parseOptions);
    } catch (err) {
      if (err instanceof GraphQLError) return [coded(err, 'GRAPHQL_PARSE_FAILED')];
      throw err;
    }
    const invalid = validate(currentSchema!, document, wsValidationRules);
    if (invalid.length > 0) return invalid.map((e) => coded(e, 'GRAPHQL_VALIDATION_FAILED'));
    const operation = getOperationAST(document, payload.operationName);
    if (!operation) {
      return [
        new GraphQLError(
          payload.operationName
            ? `No operation named "${payload.operationName}" in the document.`
            : 'The document holds several operations: send operationName to pick one.',
          { extensions: { code: 'BAD_REQUEST' } },
        ),
      ];
    }
    if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
      return [
        new GraphQLError(
          `Only subscriptions are served over WebSocket; send this ${operation.operation} as an HTTP POST to /graphql.`,
          { nodes: [operation], extensions: { code: 'BAD_REQUEST' } },
        ),
      ];
    }
    return document;
  }

  let currentSchema: GraphQLSchema | undefined;

  function prepareSubscribe(
    schema: GraphQLSchema,
    payload: SubscribePayload,
  ): PreparedOperation | readonly GraphQLError[] {
    if (schema !== currentSchema) {
      documents.clear(); // validation results hold for one schema
      currentSchema = schema;
    }
    const document = checkedDocument(payload);
    if (!('kind' in document)) return document;
    const operation = getOperationAST(document, payload.operationName)!;
    const vars = getVariableValues(
      schema,
      operation.variableDefinitions ?? [],
      payload.variables ?? {},
      { maxErrors: 20 },
    );
    if (vars.errors) return vars.errors.map((e) => coded(e, 'BAD_USER_INPUT'));
    return {
      schema,
      document,
      operationName: payload.operationName,
      variableValues: payload.variables,
    };
  }

  return {
    apolloOptions: {
      validationRules,
      parseOptions,
      introspection: limits.introspection,
    },
    wsValidationRules,
    prepareSubscribe,
  };
}
