// The embedded default: Postgres compiled to WASM, stored under DATA_DIR, running the same migrations
// as Supabase. It serves one process: a second one opening the same directory would see a diverging
// copy and corrupt it, so a lock file refuses it. Races are tested on real Postgres.
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { applyMigrations } from './migrate.js';
import { createPgliteDatabase } from './pglite-create.js';
import { PGLITE_START_PARAMS, pgliteRunner, type PgliteRunner } from './pglite-runner.js';
import { SqlLedger } from './sql-ledger.js';
import { processAlive } from '../../runtime/process-alive.js';

export { pgliteRunner, type PgliteRunner } from './pglite-runner.js';

const LOCK_FILE = 'etalase.lock';

/** Takes DATA_DIR/pglite for this process; a lock left by a process that died is taken over. */
async function lock(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, LOCK_FILE);
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (holder && processAlive(holder)) {
        throw new Error(
          `The embedded database in ${dir} is in use by process ${holder} (it serves one process at a time). ` +
            'Stop that server first, or share a real database with DATABASE_URL.',
        );
      }
      await rm(file, { force: true });
    }
  }
}

/** `dir` undefined → in memory (tests). */
export async function openPgliteLedger(dir?: string): Promise<SqlLedger & { db: PgliteRunner }> {
  let unlock = async () => {};
  if (dir) {
    await mkdir(dir, { recursive: true });
    unlock = await lock(dir);
  }
  try {
    // A new database is made in a child process, whose WASM heap goes back to the OS when it exits.
    if (dir && !(await stat(path.join(dir, 'PG_VERSION')).catch(() => null))) await createPgliteDatabase(dir, new Set([LOCK_FILE]));
    const runner = pgliteRunner(await PGlite.create({ ...(dir ? { dataDir: dir } : {}), startParams: PGLITE_START_PARAMS }), unlock);
    await applyMigrations(runner, { authStandIn: true });
    return new SqlLedger(runner) as SqlLedger & { db: PgliteRunner };
  } catch (error) {
    await unlock();
    throw error;
  }
}
