// `npm run codegen`: typed documents for the operations in test/operations, from the committed
// schema.graphql (offline). CI regenerates and fails when the output drifts.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/operations/*.graphql'],
  generates: {
    'test/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { Upload: 'File | Blob | null', DateTime: 'string' },
      },
    },
  },
  emitLegacyCommonJSImports: false,
};

export default config;
