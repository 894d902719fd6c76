// Times every root field (Query, Mutation, and each Subscription event) into the app's own registry,
// by wrapping just those resolvers in a per-app copy of the schema: nothing runs for the hundreds of
// nested fields of, say, styleCatalog.
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import type { Metrics } from './metrics.js';

export function timeRootFields(schema: GraphQLSchema, metrics: Metrics): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.ROOT_FIELD]: (field, fieldName, typeName) => {
      const resolve = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        resolve: async (source, args, context, info) => {
          const done = metrics.rootFields.startTimer({ typeName, fieldName });
          try {
            return await resolve(source, args, context, info);
          } finally {
            done();
          }
        },
      };
    },
  });
}
