// The Pothos builder and its plugins; the types live one file each beside it.
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ValidationPlugin from '@pothos/plugin-validation';
import type { Context } from '../context.js';
import { InvalidInputError } from '../studio/errors.js';

/** What Yoga's multipart parser hands a resolver: a File ponyfill, not `instanceof File`. */
export interface UploadedFile {
  name: string;
  type: string;
  size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: false;
  Scalars: {
    Upload: { Input: UploadedFile; Output: never };
    DateTime: { Input: Date; Output: Date };
  };
}>({
  defaultFieldNullability: false,
  plugins: [ErrorsPlugin, RelayPlugin, ValidationPlugin],
  // Connections only (history pages); no global Node ids.
  relay: { nodeQueryOptions: false, nodesQueryOptions: false, cursorType: 'String' },
  errors: { unsafelyHandleInputErrors: true },
  validation: {
    // Argument validation failures become the schema's InvalidInputError, naming the field.
    validationError: ({ issues }) => {
      const first = issues[0];
      const path = (first?.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p));
      const field = (path[0] === 'input' ? path.slice(1) : path).join('.');
      return new InvalidInputError(field || 'input', issues.map((i) => i.message).join('; '));
    },
  },
});

builder.queryType({});
builder.mutationType({});
