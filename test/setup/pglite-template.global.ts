// Once per test run: one embedded database made the way the app makes a new one (initdb and every
// migration, in a child process: ≈7 s), handed to every test file through provide/inject. A test app
// or server on a new DATA_DIR starts from a copy of it (test/helpers/pglite-template.ts) and opens it
// as a restarted app does, applying any migration still missing. Making the database from nothing is
// still tested where it is the subject (pglite-files, cli: DATA_DIR given).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

const root = new URL('../..', import.meta.url).pathname;

declare module 'vitest' {
  export interface ProvidedContext {
    /** a freshly made PGlite data directory to copy, or null when it could not be made */
    etalasePgliteTemplate: string | null;
  }
}

export default async function setup(project: TestProject) {
  const parent = await mkdtemp(path.join(tmpdir(), 'etalase-pglite-template-'));
  const dir = path.join(parent, 'pglite');
  // What createPgliteDatabase runs in its child (its staging and move matter only to a real DATA_DIR).
  const create = ['--import', 'tsx', 'src/adapters/ledger/pglite-create.ts', dir];
  const made = await promisify(execFile)(process.execPath, create, { cwd: root, maxBuffer: 1 << 20 }).then(
    () => true,
    (error: Error) => (console.warn(`[pglite-template] each app makes its own database: ${error.message}`), false),
  );
  project.provide('etalasePgliteTemplate', made ? dir : null);
  return () => rm(parent, { recursive: true, force: true });
}
