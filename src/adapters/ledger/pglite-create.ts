// `node --import tsx pglite-create.ts <dir>`: makes a new embedded database (initdb, migrations) in
// a process of its own. initdb and the first migrations grow PGlite's WASM heap to ≈500 MB, a WASM
// heap never shrinks, and one let go in the serving process waits on the garbage collector; a child
// process gives all of it back when it exits (first start 502 → ≈320 MB RSS, as restarted).
import { execFile } from 'node:child_process';
import { readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { applyMigrations } from './migrate.js';
import { pgliteRunner, PGLITE_START_PARAMS } from './pglite-runner.js';

const run = promisify(execFile);
const SELF = fileURLToPath(import.meta.url);

/** Creates the database in `dir` from a child process; its error output becomes the error. It is
 *  made beside `dir` and moved in with PG_VERSION last, so a start interrupted while creating (a
 *  Ctrl-C on the first `npm start`) leaves no half-made database that looks whole: the next start
 *  clears what is there (all but `keep`, the caller's lock) and creates it again. */
export async function createPgliteDatabase(dir: string, keep: ReadonlySet<string> = new Set()): Promise<void> {
  const staging = `${dir}.creating`;
  await rm(staging, { recursive: true, force: true });
  try {
    await run(process.execPath, ['--import', import.meta.resolve('tsx'), SELF, staging], { maxBuffer: 1 << 20 });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`Could not create the embedded database in ${dir}: ${stderr || (error as Error).message}`);
  }
  for (const name of await readdir(dir)) if (!keep.has(name)) await rm(path.join(dir, name), { recursive: true, force: true });
  const made = await readdir(staging);
  for (const name of [...made.filter((n) => n !== 'PG_VERSION'), 'PG_VERSION']) await rename(path.join(staging, name), path.join(dir, name));
  await rm(staging, { recursive: true, force: true });
}

if (process.argv[1] === SELF) {
  const fresh = await PGlite.create({ dataDir: process.argv[2]!, startParams: PGLITE_START_PARAMS });
  await applyMigrations(pgliteRunner(fresh), { authStandIn: true });
  await fresh.close();
}
