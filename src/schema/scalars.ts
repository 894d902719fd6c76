// Upload follows the GraphQL multipart request spec; src/http/multipart-guard.ts places the files.
import { GraphQLError } from 'graphql';
import { builder, type UploadedFile } from './builder.js';

const isUpload = (v: unknown): v is UploadedFile =>
  typeof v === 'object' && v !== null && typeof (v as UploadedFile).arrayBuffer === 'function';

builder.scalarType('Upload', {
  description: 'A file sent as a multipart request part (GraphQL multipart request spec).',
  parseValue: (value) => {
    if (!isUpload(value)) throw new GraphQLError('Upload expects a file part of a multipart request.');
    return value;
  },
  serialize: () => {
    throw new GraphQLError('Upload is an input-only scalar.');
  },
});

builder.scalarType('DateTime', {
  description: 'An ISO-8601 timestamp in UTC.',
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime expects an ISO-8601 timestamp.');
    return date;
  },
});
