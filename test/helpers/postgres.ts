// Real PostgreSQL for the suites that test races, locks, roles and RLS (PGlite has one connection and
// no roles worth the name). Each suite gets its own throwaway database on one server: the one at
// ETALASE_TEST_PG_URL (default: local trust auth), or, when none answers, a cluster started for the
// test run from the machine's PostgreSQL binaries. Without either, the suites are skipped with a
// warning, except under CI=true, where that is a failure.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, inject, it } from 'vitest';
import { resolvePostgres, type PostgresAvailability } from '../setup/postgres.global.js';

export type { PostgresAvailability };

async function availability(): Promise<PostgresAvailability> {
  const provided = inject('etalasePostgres');
  if (provided) return provided;
  // No global setup: find or start a server for this file alone.
  const found = await resolvePostgres();
  if (found.stop) afterAll(found.stop, 30_000);
  return found;
}

export const postgres: PostgresAvailability = await availability();

/** `describe` for suites that need PostgreSQL: skipped with a warning without one, failed under CI. */
export function describeWithPostgres(name: string, body: () => void): void {
  if (postgres.url) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs PostgreSQL (CI=true)', () => {
        throw new Error(`PostgreSQL is required under CI for "${name}": ${postgres.reason}`);
      });
    });
  } else {
    console.warn(`[postgres] skipping "${name}": ${postgres.reason}`);
    describe.skip(name, body);
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  if (!postgres.url) throw new Error(`no PostgreSQL: ${postgres.reason}`);
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

// Roles are cluster-wide while the migration lock is per database: files creating their databases in
// parallel would race on `create role` inside the stand-in. Made once, under a lock, before any.
const ROLES_LOCK = 727_002;
async function ensureSupabaseRoles(client: pg.Client) {
  await client.query('begin');
  try {
    await client.query('select pg_advisory_xact_lock($1)', [ROLES_LOCK]);
    await client.query(`do $$ begin
      if not exists (select 1 from pg_roles where rolname = 'anon') then create role anon nologin noinherit; end if;
      if not exists (select 1 from pg_roles where rolname = 'authenticated') then create role authenticated nologin noinherit; end if;
      if not exists (select 1 from pg_roles where rolname = 'service_role') then create role service_role nologin noinherit bypassrls; end if;
    end $$`);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
}

/** An empty database named after the suite; drop() disconnects everyone and removes it. */
export async function freshDatabase(prefix: string): Promise<TestDatabase> {
  const safe = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30);
  const name = `etalase_${safe}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin(async (client) => {
    await ensureSupabaseRoles(client);
    await client.query(`create database "${name}"`);
  });
  const url = new URL(postgres.url!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      withAdmin(async (client) => {
        // pool.end() resolves before its backends have gone: killing one mid-goodbye surfaces as an
        // unhandled 57P01 in the test process. Give them a moment, then force whatever is left.
        for (let i = 0; i < 40; i++) {
          const { rows } = await client.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
          if (rows[0].n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await client.query(`drop database if exists "${name}" with (force)`);
      }),
  };
}
