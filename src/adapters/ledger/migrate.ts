// Applies supabase/migrations (the same files `supabase db push` applies) to a database that is not
// a Supabase project, after the stand-in for Supabase's auth schema and roles. Each file runs once,
// in its own transaction, under an advisory lock so that instances starting together take turns.
import { readdir, readFile } from 'node:fs/promises';
import type { SqlRunner } from './sql-ledger.js';

const root = new URL('../../../supabase/', import.meta.url);
const MIGRATE_LOCK = 727_001;

export async function migrationFiles(): Promise<Array<{ name: string; sql: string }>> {
  const dir = new URL('migrations/', root);
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  return Promise.all(names.map(async (name) => ({ name, sql: await readFile(new URL(name, dir), 'utf8') })));
}

/** `db` must be a single connection: the lock and the transactions belong to it. */
export async function applyMigrations(db: Omit<SqlRunner, 'transaction'>, options: { authStandIn: boolean }): Promise<string[]> {
  await db.query('select pg_advisory_lock($1)', [MIGRATE_LOCK]);
  try {
    if (options.authStandIn) await db.exec(await readFile(new URL('local/auth-stand-in.sql', root), 'utf8'));
    await db.exec(`create schema if not exists etalase_meta;
      create table if not exists etalase_meta.migrations (name text primary key, applied_at timestamptz not null default now());`);
    const { rows } = await db.query<{ name: string }>('select name from etalase_meta.migrations');
    const done = new Set(rows.map((r) => r.name));
    const applied: string[] = [];
    for (const file of await migrationFiles()) {
      if (done.has(file.name)) continue;
      await db.exec(`begin;\n${file.sql}\n;insert into etalase_meta.migrations (name) values ('${file.name.replace(/'/g, "''")}');\ncommit;`);
      applied.push(file.name);
    }
    return applied;
  } catch (error) {
    await db.exec('rollback').catch(() => {});
    throw error;
  } finally {
    await db.query('select pg_advisory_unlock($1)', [MIGRATE_LOCK]);
  }
}
