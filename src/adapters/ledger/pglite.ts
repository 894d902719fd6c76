// The embedded default: Postgres compiled to WASM, stored under DATA_DIR, running the same migrations
// as Supabase. One connection, so it serves one process; races are tested on real Postgres.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { applyMigrations } from './migrate.js';
import { SqlLedger, type SqlRunner } from './sql-ledger.js';

export function pgliteRunner(pg: PGlite): SqlRunner {
  return {
    exec: async (sql) => {
      await pg.exec(sql);
    },
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await pg.query<T>(sql, params)).rows }),
    close: () => pg.close(),
  };
}

/** `dir` undefined → in memory (tests). */
export async function openPgliteLedger(dir?: string): Promise<SqlLedger> {
  if (dir) await mkdir(dir, { recursive: true });
  const runner = pgliteRunner(await PGlite.create(dir ? { dataDir: dir } : {}));
  await applyMigrations(runner, { authStandIn: true });
  return new SqlLedger(runner);
}
