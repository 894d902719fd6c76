// The embedded database on disk: made in a child process beside DATA_DIR/pglite and moved in whole,
// so a first start that was interrupted leaves nothing that a later start mistakes for a database.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openPgliteLedger } from '../src/adapters/ledger/pglite.js';

let root: string;
beforeAll(async () => (root = await mkdtemp(path.join(os.tmpdir(), 'etalase-pglite-files-'))));
afterAll(() => rm(root, { recursive: true, force: true }));

test('leftovers of an interrupted creation are cleared, the database is made whole and keeps its data', async () => {
  const dir = path.join(root, 'pglite');
  // What a Ctrl-C during the first start could leave: part of a data dir (no PG_VERSION yet) and the staging copy.
  await mkdir(path.join(dir, 'base', '1'), { recursive: true });
  await writeFile(path.join(dir, 'base', '1', 'half-written'), 'x');
  await mkdir(`${dir}.creating`, { recursive: true });
  await writeFile(path.join(`${dir}.creating`, 'PG_VERSION'), '17');

  const user = randomUUID();
  const first = await openPgliteLedger(dir);
  await first.ensureProfile(user);
  await first.grant(user, 7, 'test');
  const balance = await first.balance(user);
  await first.close();

  expect(await stat(`${dir}.creating`).catch(() => null)).toBeNull();
  expect(await stat(path.join(dir, 'base', '1', 'half-written')).catch(() => null)).toBeNull();
  expect(await readdir(dir)).toContain('PG_VERSION');
  expect(await readdir(dir)).not.toContain('etalase.lock'); // released on close

  const again = await openPgliteLedger(dir);
  expect(await again.balance(user)).toBe(balance);
  await again.close();
});
