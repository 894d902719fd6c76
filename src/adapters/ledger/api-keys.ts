// The ApiKeyStore port over the ledger's SQL connection (supabase/migrations/20261204000200_topups_api_keys.sql):
// hashes only; a revoked key is never found again.
import type { ApiKeyRecord, ApiKeyStore } from '../../studio/ports.js';
import { toDate, toJson, type SqlQuery } from './sql-ledger.js';
import { nullableDate, withKnownUser } from './topups.js';

const mapApiKey = (row: Record<string, unknown>): ApiKeyRecord => ({
  id: String(row.id),
  name: String(row.name),
  prefix: String(row.prefix),
  createdAt: toDate(row.created_at),
  lastUsedAt: nullableDate(row.last_used_at),
});

export class SqlApiKeys implements ApiKeyStore {
  constructor(private readonly db: SqlQuery) {}

  async createApiKey(key: { id: string; userId: string; name: string; prefix: string; secretHash: Uint8Array }, max: number) {
    const { rows } = await withKnownUser(key.userId, () =>
      this.db.query<{ v: unknown }>('select public.create_api_key($1, $2, $3, $4, $5, $6) as v', [
        key.id, key.userId, key.name, key.prefix, Buffer.from(key.secretHash), max,
      ]),
    );
    const r = toJson<Record<string, unknown>>(rows[0]!.v, {});
    if (r.outcome === 'limit') return 'limit' as const;
    if (r.outcome === 'prefix_taken') return 'prefix-taken' as const;
    return mapApiKey(toJson(r.key, {}));
  }

  async findApiKey(prefix: string) {
    const { rows } = await this.db.query<{ id: string; user_id: string; secret_hash: Uint8Array }>('select * from public.find_api_key($1)', [prefix]);
    const row = rows[0];
    return row ? { id: String(row.id), userId: String(row.user_id), secretHash: new Uint8Array(row.secret_hash) } : null;
  }

  async touchApiKey(id: string) {
    await this.db.query('select public.touch_api_key($1)', [id]);
  }

  async apiKeys(userId: string) {
    const { rows } = await this.db.query('select * from public.list_api_keys($1)', [userId]);
    return rows.map(mapApiKey);
  }

  async revokeApiKey(userId: string, id: string) {
    const { rows } = await this.db.query('select * from public.revoke_api_key($1, $2)', [id, userId]);
    return rows[0] ? mapApiKey(rows[0]) : null;
  }
}
