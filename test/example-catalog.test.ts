// `npm run example -- --catalog folder/` against the real server as a child process, on the offline
// providers: a folder of product folders (no catalog.csv: the folder names are the SKUs) becomes one
// catalogue, the progress is drawn, the download-all ZIP is saved; a folder with a bad manifest row
// exits non-zero naming the row, and costs nothing.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import yauzl from 'yauzl';
import { startServer, type RunningServer } from './helpers/server.js';

const root = new URL('..', import.meta.url).pathname;
let server: RunningServer;
let dir: string;

beforeAll(async () => {
  server = await startServer({});
  dir = await mkdtemp(path.join(os.tmpdir(), 'etalase-example-catalog-'));
}, 60_000);
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function example(args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/example.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('a folder of product folders becomes one catalogue; every SKU is in the saved ZIP', async () => {
  const shop = path.join(dir, 'shop');
  for (const [sku, file] of [['TAS-1', 'product-1.jpg'], ['TAS-2', 'product-2.jpg']] as const) {
    await mkdir(path.join(shop, sku), { recursive: true });
    await copyFile(path.join(root, 'examples', file), path.join(shop, sku, file));
  }
  const out = path.join(dir, 'out');
  const run = await example(['--catalog', shop, '--count', '1', '--url', server.url, '--user', 'catalog-cli', '--out', out]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr).toMatch(/all 2\/2/);
  expect(run.stdout).toMatch(/SUCCEEDED: 2 done, 0 failed/);
  const [saved] = await readdir(out);
  const file = await yauzl.fromBufferPromise(await readFile(path.join(out, saved!)), { lazyEntries: true });
  const names: string[] = [];
  for await (const entry of file.eachEntry()) names.push(entry.fileName);
  file.close();
  expect(names).toEqual(expect.arrayContaining(['TAS-1/images/1.jpg', 'TAS-2/images/1.jpg', 'TAS-1/prompts.txt']));
}, 120_000);

test('a manifest row naming a missing folder: exit 1, the row named, nothing charged', async () => {
  const shop = path.join(dir, 'bad');
  await mkdir(path.join(shop, 'a'), { recursive: true });
  await copyFile(path.join(root, 'examples', 'product-1.jpg'), path.join(shop, 'a', '1.jpg'));
  await writeFile(path.join(shop, 'catalog.csv'), 'sku,folder\nA,a\nB,missing\n');
  const run = await example(['--catalog', shop, '--url', server.url, '--user', 'catalog-cli-bad']);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/CatalogItemError: catalog.csv row 3 \(SKU B\).*missing.*\(row 3, SKU B\)/);
  expect(run.stderr).toMatch(/balance 10/);
}, 60_000);
