// Limits on what one GraphQL document may ask for, checked before anything resolves:
//   * graphql-armor: tokens (counted while parsing, so deep nesting never reaches the recursive
//     parser), depth, aliases, directives, and field suggestions stripped in production;
//   * introspection off unless configured;
//   * a cost per operation (the complexity plugin's estimate, list fields priced by their `first`,
//     see schema/builder.ts), refused above MAX_QUERY_COST, and spent from the caller's per-minute
//     budget, answered HTTP 429 with Retry-After once it is gone.
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { complexityFromQuery } from '@pothos/plugin-complexity';
import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.js';

export interface QueryBudget {
  perMinute: number;
  /** 0 when within the budget, else seconds to wait */
  spend(subject: string, cost: number, limit: number): Promise<number>;
  /** who pays: 'user:<id>' when signed in, else the client's address */
  subjectOf(context: unknown): string;
}

/** "Did you mean …?" names fields, types and enum values: in production a stranger does not get them. */
export function withoutSuggestions(error: GraphQLError): GraphQLError {
  const message = error.message.replace(/\s*Did you mean [^?]*\?/g, '');
  return message === error.message ? error : new GraphQLError(message, { ...error, extensions: error.extensions });
}

export function queryLimitPlugins(config: Pick<Config, 'queryLimits' | 'graphql' | 'production'>): Plugin[] {
  const limits = config.queryLimits;
  const plugins: Plugin[] = [
    EnvelopArmorPlugin({
      maxTokens: { n: limits.maxTokens },
      maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true },
      maxAliases: { n: limits.maxAliases },
      maxDirectives: { n: limits.maxDirectives },
      // Priced by the complexity plugin instead, which knows what `first` asks for.
      costLimit: { enabled: false },
      blockFieldSuggestion: { enabled: config.production },
    }) as Plugin,
  ];
  if (config.production) {
    // armor hides field suggestions; enum and type suggestions come from other rules.
    plugins.push({
      onValidate: () => ({ result, setResult }) => {
        if (result.length) setResult(result.map((e) => (e instanceof GraphQLError ? withoutSuggestions(e) : e)));
      },
    });
  }
  if (!config.graphql.introspection) {
    plugins.push({ onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) });
  }
  return plugins;
}

/** Only the operation that will run (and the fragments), so the estimate is of what executes. */
function selectedOperation(document: DocumentNode, operationName?: string | null): DocumentNode {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const chosen = operationName ? operations.find((d) => d.name?.value === operationName) : operations[0];
  return { ...document, definitions: document.definitions.filter((d) => d.kind !== Kind.OPERATION_DEFINITION || d === chosen) };
}

export function costOf(schema: GraphQLSchema, args: Pick<ExecutionArgs, 'document' | 'operationName' | 'variableValues' | 'contextValue'>): number {
  try {
    return complexityFromQuery(selectedOperation(args.document, args.operationName), {
      schema,
      ctx: (args.contextValue ?? {}) as object,
      variables: (args.variableValues ?? {}) as Record<string, unknown>,
    }).complexity;
  } catch {
    // Variables that do not coerce: execution reports them properly; they cost the minimum.
    return 1;
  }
}

const tooCostly = (cost: number, max: number) =>
  new GraphQLError(`This query costs ${cost} points; the limit is ${max}. Ask for fewer items (first) or fewer fields.`, {
    extensions: { code: 'QUERY_TOO_COSTLY', cost, maxCost: max, http: { status: 400 } },
  });

const rateLimited = (retryAfterSeconds: number) =>
  new GraphQLError(`Too many requests: the query budget is spent. Try again in ${retryAfterSeconds} s.`, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfterSeconds,
      http: { status: 429, headers: { 'retry-after': String(retryAfterSeconds) } },
    },
  });

export function useQueryCost(schema: GraphQLSchema, maxCost: number, budget: QueryBudget | null): Plugin {
  async function admit(args: ExecutionArgs): Promise<GraphQLError | null> {
    const cost = costOf(schema, args);
    if (cost > maxCost) return tooCostly(cost, maxCost);
    if (!budget) return null;
    const wait = await budget.spend(budget.subjectOf(args.contextValue), cost, budget.perMinute);
    return wait > 0 ? rateLimited(wait) : null;
  }
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const refusal = await admit(args);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = await admit(args as ExecutionArgs);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
  };
}
