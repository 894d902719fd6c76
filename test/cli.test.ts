// The command-line tools a developer uses: dev tokens and coin top-ups.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, test } from 'vitest';
import { userIdFor } from '../src/adapters/auth/dev.js';
import { parseConfig } from '../src/config.js';
import { startTestApp } from './helpers/app.js';
import { seedPglite } from './helpers/pglite-template.js';

const root = new URL('..', import.meta.url).pathname;
let dataDir: string;
const cli = (script: string, args: string[], dir = dataDir) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', `src/cli/${script}.ts`, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, DATA_DIR: dir, LOG_LEVEL: 'silent' },
  });

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'etalase-cli-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

// The two cases share nothing (the second has a DATA_DIR of its own): they run at once.
test.concurrent('dev-token, coins grant and check work on the same DATA_DIR as the server', async ({ expect }) => {
  const token = (await cli('dev-token', ['--user', 'budi'])).stdout.trim();
  expect(token.split('.')).toHaveLength(3);
  const granted = await cli('coins', ['grant', 'budi', '25']);
  expect(granted.stdout).toContain(`budi (${userIdFor('budi')}): balance 35`);
  expect((await cli('coins', ['check'])).stdout).toContain('books are right');

  const t = await startTestApp({ DATA_DIR: dataDir });
  try {
    expect((await t.gql('{ me { id coinsBalance } }', {}, { token })).body.data.me).toEqual({ id: userIdFor('budi'), coinsBalance: 35 });
    // The embedded database serves one process: the CLI is refused while the server holds it.
    await expect(cli('coins', ['balance', 'budi'])).rejects.toMatchObject({ stderr: expect.stringMatching(/in use by process/) });
  } finally {
    await t.app.close();
  }
});

test.concurrent('coins refuses a bad amount', async ({ expect }) => {
  // A database already made: making one is the case above.
  const own = await mkdtemp(path.join(os.tmpdir(), 'etalase-cli-'));
  try {
    await seedPglite(parseConfig({ DATA_DIR: own }), own);
    await expect(cli('coins', ['grant', 'budi', '-5'], own)).rejects.toMatchObject({ code: 2 });
  } finally {
    await rm(own, { recursive: true, force: true });
  }
});
