// The Pothos builder and its plugins; the types live one file each beside it.
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ValidationPlugin from '@pothos/plugin-validation';
import { getNamedType, getNullableType, isListType } from 'graphql';
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
  plugins: [ErrorsPlugin, RelayPlugin, ValidationPlugin, ComplexityPlugin],
  // Connections only (history pages); no global Node ids.
  relay: { nodeQueryOptions: false, nodesQueryOptions: false, cursorType: 'String' },
  // The cost estimate (http/query-limits.ts): every field 1; a page costs what its `first` asks for
  // (Relay `edges` are already counted by their connection); other lists are short (≤ 4 images,
  // ≤ 6 descriptions, a catalog's options) and count 5 times their contents.
  complexity: {
    fieldComplexity: (args, _ctx, field) => {
      if (typeof args.first === 'number') return { field: 1, multiplier: Math.max(1, Math.min(args.first, 100)) };
      if (typeof args.last === 'number') return { field: 1, multiplier: Math.max(1, Math.min(args.last, 100)) };
      if (getNamedType(field.type).name.endsWith('Connection')) return { field: 1, multiplier: 20 };
      if (isListType(getNullableType(field.type)) && field.name !== 'edges') return { field: 1, multiplier: 5 };
      // Explicit: a bare number would get the plugin's default list multiplier (10) on `edges`.
      return { field: 1, multiplier: 1 };
    },
  },
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
