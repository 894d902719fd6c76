// A new DATA_DIR gets a copy of the run's freshly made embedded database (test/setup/pglite-template
// .global.ts) instead of making its own (≈7 s each); without the global setup, nothing is copied.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import type { Config } from '../../src/config.js';

const run = promisify(execFile);

/** Copies the template into the config's PGlite directory when it is under `dataDir` (a new one). */
export async function seedPglite(config: Config, dataDir: string): Promise<void> {
  const template = inject('etalasePgliteTemplate');
  const ledger = config.ledger;
  if (!template || ledger.kind !== 'pglite' || path.dirname(ledger.dir) !== dataDir) return;
  await mkdir(dataDir, { recursive: true });
  await run('cp', ['-R', template, ledger.dir]);
}
