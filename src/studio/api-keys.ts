// API keys: a backend's own credential, acting as the seller who made it. The secret is `etl_`
// followed by 32 random bytes (base64url, 43 characters); it is shown once, stored only as its
// SHA-256 hash, found by its first 12 characters and compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { InvalidInputError, NotAllowedError } from './errors.js';
import type { ApiKeyRecord, ApiKeyStore, Ids, Logger } from './ports.js';
import { checkText } from './text.js';

export const API_KEY_PATTERN = /^etl_[A-Za-z0-9_-]{43}$/;
export const API_KEY_PREFIX_LENGTH = 12;
/** keys in use per seller */
export const MAX_API_KEYS = 20;
export const API_KEY_NAME_LIMIT = 100;

export const isApiKeyShaped = (token: string) => token.startsWith('etl_');
const hashOf = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

export interface ApiKeyDeps {
  store: ApiKeyStore;
  ids: Ids;
  log: Logger;
}

/** Who is asking: a seller signed in, or a backend with one of their keys (apiKeyId). */
export interface Caller {
  userId: string;
  apiKeyId?: string;
}

export function createApiKeys(deps: ApiKeyDeps) {
  const refuseKeys = (caller: Caller, what: string) => {
    if (caller.apiKeyId) throw new NotAllowedError(`An API key cannot ${what}: sign in as the seller to manage keys.`);
  };

  async function create(caller: Caller, name: string): Promise<{ apiKey: ApiKeyRecord; secret: string }> {
    refuseKeys(caller, 'create API keys');
    const trimmed = name.trim();
    if (!trimmed) throw new InvalidInputError('name', 'Give the key a name (which backend uses it).');
    checkText('name', trimmed, API_KEY_NAME_LIMIT);
    // A prefix already taken (48 random bits: practically never) draws again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const secret = `etl_${randomBytes(32).toString('base64url')}`;
      const created = await deps.store.createApiKey(
        { id: deps.ids.uuid(), userId: caller.userId, name: trimmed, prefix: secret.slice(0, API_KEY_PREFIX_LENGTH), secretHash: hashOf(secret) },
        MAX_API_KEYS,
      );
      if (created === 'limit') throw new NotAllowedError(`You have ${MAX_API_KEYS} API keys in use: revoke one first.`);
      if (created === 'prefix-taken') continue;
      deps.log.info('API key created', { apiKeyId: created.id, prefix: created.prefix });
      return { apiKey: created, secret };
    }
    throw new Error('could not draw an unused API key prefix');
  }

  async function revoke(caller: Caller, id: string): Promise<ApiKeyRecord> {
    refuseKeys(caller, 'revoke API keys');
    const revoked = /^[0-9a-f-]{36}$/i.test(id) ? await deps.store.revokeApiKey(caller.userId, id) : null;
    if (!revoked) throw new InvalidInputError('id', 'No API key in use with this id.');
    deps.log.info('API key revoked', { apiKeyId: revoked.id, prefix: revoked.prefix });
    return revoked;
  }

  /** The owner of a key in use, or null for anything else (malformed, unknown, revoked, wrong secret). */
  async function verify(secret: string): Promise<Caller | null> {
    if (!API_KEY_PATTERN.test(secret)) return null;
    const found = await deps.store.findApiKey(secret.slice(0, API_KEY_PREFIX_LENGTH));
    if (!found) return null;
    const presented = hashOf(secret);
    if (found.secretHash.byteLength !== presented.byteLength || !timingSafeEqual(found.secretHash, presented)) return null;
    void deps.store.touchApiKey(found.id).catch((error) => deps.log.warn('recording an API key use failed', { apiKeyId: found.id, error: String(error) }));
    return { userId: found.userId, apiKeyId: found.id };
  }

  return { create, revoke, verify, list: (userId: string) => deps.store.apiKeys(userId) };
}

export type ApiKeyService = ReturnType<typeof createApiKeys>;
