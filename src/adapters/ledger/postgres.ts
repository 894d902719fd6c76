// The Ledger on a real PostgreSQL server (or Supabase's database reached directly), through a pool.
// Unlike PGlite it serves many processes at once: every race is settled by the SQL functions' row locks.
//
// Supabase's pooler: the session-mode pooler (port 5432) behaves like a direct connection. The
// transaction-mode pooler (port 6543) hands each transaction to whichever server connection is free,
// so session state does not survive between statements: the session advisory lock that serialises
// migrations would be taken on one connection and released on another. There, apply the migrations
// with the Supabase CLI (`supabase db push`) and open with `migrate: false`. A pooler that rejects
// unknown startup parameters (PgBouncer without ignore_startup_parameters) also rejects
// statement_timeout; set it per role instead (`alter role ... set statement_timeout`).
import pg from 'pg';
import { applyMigrations } from './migrate.js';
import { SqlLedger, type SqlRunner } from './sql-ledger.js';

export interface PostgresLedgerConfig {
  url: string;
  poolMax: number;
  statementTimeoutMs: number;
}

export interface PostgresLedgerOptions {
  /** apply supabase/local/auth-stand-in.sql first; default: only when the database has no auth.users */
  authStandIn?: boolean;
  /** apply supabase/migrations; default true */
  migrate?: boolean;
  /** where idle-connection errors go; default console.error */
  onError?: (error: Error) => void;
}

export async function openPostgresLedger(
  config: PostgresLedgerConfig,
  options: PostgresLedgerOptions = {},
): Promise<SqlLedger> {
  return new SqlLedger(await openPostgresRunner(config, options));
}

/** The pool behind the ledger, migrated: also what the job queue reserves and enqueues through. */
export async function openPostgresRunner(config: PostgresLedgerConfig, options: PostgresLedgerOptions = {}): Promise<SqlRunner> {
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolMax,
    statement_timeout: config.statementTimeoutMs,
    application_name: 'etalase',
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client whose server went away (restart, failover, pooler recycling) emits 'error' on
  // the pool; unhandled, that event would kill the process. The pool drops the client by itself.
  const onError = options.onError ?? ((e: Error) => console.error('[ledger/postgres] idle connection error:', e.message));
  pool.on('error', onError);

  const runner = postgresRunner(pool, onError);

  try {
    if (options.migrate ?? true) await migrate(pool, options.authStandIn, onError);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return runner;
}

export function postgresRunner(pool: pg.Pool, onError: (e: Error) => void): SqlRunner {
  return {
    exec: async (sql) => {
      await pool.query(sql);
    },
    query: async <T>(sql: string, params?: unknown[]) => {
      const result = await pool.query(sql, params);
      return { rows: result.rows as T[] };
    },
    async transaction(work) {
      const client = await pool.connect();
      client.on('error', onError);
      let broken = false;
      try {
        await client.query('begin');
        const result = await work({ query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params)).rows as T[] }) });
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => (broken = true));
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

/** Applies the migrations on one connection: the advisory lock and each file's transaction live on it. */
async function migrate(pool: pg.Pool, authStandIn: boolean | undefined, onError: (e: Error) => void): Promise<string[]> {
  const client = await pool.connect();
  // The pool listens for errors only on idle clients; a checked-out one losing its server between
  // two statements would otherwise emit an unhandled 'error' (the next query still rejects).
  client.on('error', onError);
  try {
    // Waiting for another instance's migration lock must not count against the request timeout.
    await client.query('set statement_timeout = 0');
    // A database that already has auth.users is either Supabase (whose auth.uid() the stand-in must
    // not replace) or one this code migrated before (where the stand-in is already in place).
    const standIn = authStandIn ?? !(await hasAuthUsers(client));
    const single: Omit<SqlRunner, 'transaction'> = {
      exec: async (sql) => {
        await client.query(sql);
      },
      query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params)).rows as T[] }),
      close: async () => {},
    };
    return await applyMigrations(single, { authStandIn: standIn });
  } finally {
    // Discarded rather than returned: its session settings (and, after a failure, perhaps an aborted
    // transaction or a held lock) are not what the pool's other connections have.
    client.release(true);
  }
}

async function hasAuthUsers(client: pg.PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ present: boolean }>("select to_regclass('auth.users') is not null as present");
  return rows[0]!.present;
}
