// API keys: a backend's own credential (Authorization: Bearer etl_…), acting as the seller who made it.
import { InvalidInputError, NotAllowedError, StudioError } from '../studio/errors.js';
import type { ApiKeyRecord } from '../studio/ports.js';
import { API_KEY_NAME_LIMIT } from '../studio/api-keys.js';
import { requireViewer } from './auth.js';
import { builder } from './builder.js';
import { ViewerRef } from './viewer.js';

const ApiKey = builder.objectRef<ApiKeyRecord>('ApiKey').implement({
  description: 'An API key in use. Its secret is shown once, when it is created, and never kept.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: "The secret's first 12 characters, to tell keys apart" }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'To the minute' }),
  }),
});

builder.objectField(ViewerRef, 'apiKeys', (t) =>
  t.field({
    type: [ApiKey],
    description: 'Your API keys in use, newest first.',
    resolve: (v, _, ctx) => ctx.services.apiKeys.list(v.userId),
  }),
);

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({ name: t.string({ required: true, description: `Which backend uses it (≤ ${API_KEY_NAME_LIMIT} characters)` }) }),
});

const CreateApiKeySuccess = builder.objectRef<{ apiKey: ApiKeyRecord; secret: string }>('CreateApiKeySuccess').implement({
  description: 'Keep the secret now: it is never shown again.',
  fields: (t) => ({
    apiKey: t.field({ type: ApiKey, resolve: (s) => s.apiKey }),
    secret: t.exposeString('secret', { description: 'etl_… : send it as "Authorization: Bearer <secret>"' }),
  }),
});

builder.mutationField('createApiKey', (t) =>
  t.field({
    type: CreateApiKeySuccess,
    description: 'A new API key for a backend. Needs a signed-in seller: an API key cannot create keys.',
    errors: { types: [NotAllowedError, InvalidInputError, StudioError], directResult: true, union: { name: 'CreateApiKeyResult' } },
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: (_, { input }, ctx) => ctx.services.apiKeys.create(requireViewer(ctx), input.name),
  }),
);

const RevokeApiKeyInput = builder.inputType('RevokeApiKeyInput', {
  fields: (t) => ({ id: t.id({ required: true }) }),
});

const RevokeApiKeySuccess = builder.objectRef<{ apiKey: ApiKeyRecord }>('RevokeApiKeySuccess').implement({
  description: 'The key is revoked: requests with it are UNAUTHENTICATED from now on.',
  fields: (t) => ({ apiKey: t.field({ type: ApiKey, resolve: (s) => s.apiKey }) }),
});

builder.mutationField('revokeApiKey', (t) =>
  t.field({
    type: RevokeApiKeySuccess,
    description: 'Revokes one of your API keys at once. Needs a signed-in seller.',
    errors: { types: [NotAllowedError, InvalidInputError, StudioError], directResult: true, union: { name: 'RevokeApiKeyResult' } },
    args: { input: t.arg({ type: RevokeApiKeyInput, required: true }) },
    resolve: async (_, { input }, ctx) => ({ apiKey: await ctx.services.apiKeys.revoke(requireViewer(ctx), String(input.id)) }),
  }),
);
