// API keys for backends, as the ledger keeps them: a hash of the secret, never the secret.

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** the secret's first 12 characters (etl_ + 8): what the owner sees to tell keys apart */
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface ApiKeyStore {
  /** 'limit' when the user has `max` keys in use; 'prefix-taken' when another key starts the same way */
  createApiKey(key: { id: string; userId: string; name: string; prefix: string; secretHash: Uint8Array }, max: number): Promise<ApiKeyRecord | 'limit' | 'prefix-taken'>;
  /** a key in use (not revoked) by its prefix, with the hash to compare */
  findApiKey(prefix: string): Promise<{ id: string; userId: string; secretHash: Uint8Array } | null>;
  /** records a use (at most one write a minute per key) */
  touchApiKey(id: string): Promise<void>;
  /** the user's keys in use, newest first */
  apiKeys(userId: string): Promise<ApiKeyRecord[]>;
  /** the key as it was, or null when it is not the user's or was already revoked */
  revokeApiKey(userId: string, id: string): Promise<ApiKeyRecord | null>;
}
