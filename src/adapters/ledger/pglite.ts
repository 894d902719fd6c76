// The embedded default: Postgres compiled to WASM, stored under DATA_DIR, running the same migrations
// as Supabase. It serves one process: a second one opening the same directory would see a diverging
// copy and corrupt it, so a lock file refuses it. Races are tested on real Postgres.
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { applyMigrations } from './migrate.js';
import { SqlLedger, type SqlRunner } from './sql-ledger.js';

export interface PgliteRunner extends SqlRunner {
  /** the instance itself, for pg-boss (one connection: the queue shares it) */
  pglite: PGlite;
}

export function pgliteRunner(pg: PGlite, onClose: () => Promise<void> = async () => {}): PgliteRunner {
  return {
    pglite: pg,
    exec: async (sql) => {
      await pg.exec(sql);
    },
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await pg.query<T>(sql, params)).rows }),
    // PGlite holds its only connection for the whole transaction: nothing else interleaves.
    transaction: (work) =>
      pg.transaction((tx) => work({ query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await tx.query<T>(sql, params)).rows }) })),
    close: async () => {
      await pg.close();
      await onClose();
    },
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Takes DATA_DIR/pglite for this process; a lock left by a process that died is taken over. */
async function lock(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, 'etalase.lock');
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (holder && alive(holder)) {
        throw new Error(
          `The embedded database in ${dir} is in use by process ${holder} (it serves one process at a time). ` +
            'Stop that server first, or share a real database with DATABASE_URL.',
        );
      }
      await rm(file, { force: true });
    }
  }
}

/** PGlite's own start parameters, plus a smaller buffer cache. Postgres' default 128 MB of
 *  shared_buffers lives in the WASM heap, which never shrinks: with it a restarted embedded server
 *  idled at ≈540 MB RSS, with 16 MB at ≈400 (npm run bench -- --only idle). An embedded database
 *  of one seller's batches fits in 16 MB many times over; the OS page cache still holds the files. */
const START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

/** `dir` undefined → in memory (tests). */
export async function openPgliteLedger(dir?: string): Promise<SqlLedger & { db: PgliteRunner }> {
  let unlock = async () => {};
  if (dir) {
    await mkdir(dir, { recursive: true });
    unlock = await lock(dir);
  }
  try {
    const start = () => PGlite.create({ ...(dir ? { dataDir: dir } : {}), startParams: START_PARAMS });
    if (dir && !(await stat(path.join(dir, 'PG_VERSION')).catch(() => null))) {
      // A new database: initdb and the first migrations grow the WASM heap, and a WASM heap never
      // shrinks. Made by one instance that is then let go, served by a fresh one (first start
      // ≈840 → ≈580 MB RSS; the rest waits for the garbage collector to drop the old heap).
      const fresh = await start();
      await applyMigrations(pgliteRunner(fresh), { authStandIn: true });
      await fresh.close();
    }
    const runner = pgliteRunner(await start(), unlock);
    await applyMigrations(runner, { authStandIn: true });
    return new SqlLedger(runner) as SqlLedger & { db: PgliteRunner };
  } catch (error) {
    await unlock();
    throw error;
  }
}
