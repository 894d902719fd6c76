// `npm run codegen`: typed documents from the committed schema.graphql (offline), for the tests'
// operations and for the studio page's (which the example CLI shares). CI regenerates both and fails
// when the output drifts.
import type { CodegenConfig } from '@graphql-codegen/cli';

const typing = {
  useTypeImports: true,
  enumsAsTypes: true,
  scalars: { Upload: 'File | Blob | null', DateTime: 'string' },
};

const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    'test/generated/': {
      documents: ['test/operations/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: typing,
    },
    // Document strings, not ASTs: the page sends them with fetch and needs no GraphQL library.
    'src/web/generated/': {
      documents: ['src/web/operations.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { ...typing, documentMode: 'string' },
    },
  },
  emitLegacyCommonJSImports: false,
};

export default config;
