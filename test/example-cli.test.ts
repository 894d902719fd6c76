// `npm run example` against the real server as a child process, on the offline providers: dev
// sign-in through /dev/token (or ETALASE_TOKEN), uploads, the stages drawn from the SSE stream, the
// images and video prompts saved, the coins left printed; bad input exits non-zero and costs nothing.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { productOnColour } from './helpers/images.js';
import { probeMp4 } from './helpers/mp4.js';
import { startServer, type RunningServer } from './helpers/server.js';

const root = new URL('..', import.meta.url).pathname;
const photo = (name: string) => path.join(root, 'examples', name);
let server: RunningServer;
let outRoot: string;

beforeAll(async () => {
  server = await startServer({});
  outRoot = await mkdtemp(path.join(os.tmpdir(), 'etalase-example-'));
});
afterAll(async () => {
  await server?.close();
  await rm(outRoot, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function example(args: string[], env: Record<string, string> = {}, viaNpm = false): Promise<Run> {
  const [command, prefix] = viaNpm ? ['npm', ['run', '-s', 'example', '--']] : [process.execPath, ['--import', 'tsx', 'src/cli/example.ts']];
  try {
    const { stdout, stderr } = await promisify(execFile)(command, [...prefix, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const balance = async (token: string) => {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ me { coinsBalance } }' }),
  });
  return ((await response.json()) as { data: { me: { coinsBalance: number } } }).data.me.coinsBalance;
};

test('npm run example: all six slots, count 4, dev sign-in, progress through the stages, images and prompts saved', async () => {
  const out = path.join(outRoot, 'batch');
  const run = await example(
    ['--product', photo('product-1.jpg'), '--product', photo('product-2.jpg'), '--product', photo('product-2.jpg'),
      '--product', photo('product-1.jpg'), '--face', photo('product-1.jpg'),
      '--background', photo('product-2.jpg'), '--count', '4', '--option', 'category=Tas', '--out', out, '--url', server.url, '--user', 'wati'],
    {},
    true,
  );
  expect(run.stderr).not.toMatch(/error/i);
  expect(run.code).toBe(0);
  // Not a terminal: one line per change, in stage order.
  const stages = run.stderr.split('\n').filter((l) => l.startsWith('[')).map((l) => l.replace(/^\[[#-]+\]\s+\d+% /, ''));
  expect(stages[0]).toMatch(/^waiting in the queue/);
  expect(stages).toContain('describing the photos 6/6');
  expect(stages).toContain('making the images');
  expect(stages.slice(-2)).toEqual(['saving 4/4', 'finished: SUCCEEDED']);
  expect(run.stdout).toContain('Remaining coins: 9');

  const files = (await readdir(out)).sort();
  expect(files).toEqual(['image-1.jpg', 'image-2.jpg', 'image-3.jpg', 'image-4.jpg', 'prompts.json', 'prompts.txt']);
  for (const file of files.filter((f) => f.endsWith('.jpg'))) {
    const bytes = await readFile(path.join(out, file));
    expect([bytes[0], bytes[1]], file).toEqual([0xff, 0xd8]);
  }
  const prompts = JSON.parse(await readFile(path.join(out, 'prompts.json'), 'utf8'));
  expect(prompts.images).toHaveLength(4);
  for (const image of prompts.images) {
    expect(image.videoPrompts.A).toMatch(/6-second/);
    expect(image.videoPrompts.B).toMatch(/zoom/);
  }
  const text = await readFile(path.join(out, 'prompts.txt'), 'utf8');
  expect(text).toContain('image-4.jpg\n  A: ');
});

test('ETALASE_TOKEN signs in instead, and REFERENCE costs its own price', async () => {
  const token = await server.token('rina');
  const out = path.join(outRoot, 'reference');
  const run = await example(['--product', photo('product-1.jpg'), '--mode', 'REFERENCE', '--count', '1', '--out', out, '--url', server.url], {
    ETALASE_TOKEN: token,
  });
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('Remaining coins: 8');
  expect(await balance(token)).toBe(8);
  expect((await readdir(out)).filter((f) => f.endsWith('.jpg'))).toHaveLength(1);
});

test('--video B after the batch: the clip of the first image is made, followed on the stream and saved with its poster', async () => {
  const out = path.join(outRoot, 'clip');
  const run = await example(['--product', photo('product-1.jpg'), '--count', '1', '--video', 'b', '--out', out, '--url', server.url, '--user', 'rudi']);
  expect(run.stderr).not.toMatch(/error/i);
  expect(run.code).toBe(0);
  const lines = run.stderr.split('\n').filter((l) => l.startsWith('[')).map((l) => l.replace(/^\[[#-]+\]\s+\d+% /, ''));
  expect(lines).toContain('making the clip');
  expect(lines.at(-1)).toBe('finished: SUCCEEDED');
  expect(run.stdout).toMatch(/Saved a 6-second clip \(B\) to .*video-1\.mp4/);
  expect(run.stdout).toContain('Remaining coins: 3');
  expect((await readdir(out)).sort()).toEqual(['image-1.jpg', 'prompts.json', 'prompts.txt', 'video-1.jpg', 'video-1.mp4']);
  const probed = await probeMp4(await readFile(path.join(out, 'video-1.mp4')));
  expect(probed.video.codec).toBe('h264');
  expect(probed.durationSeconds).toBeCloseTo(6, 1);
  expect((await example(['--video', 'C'])).stderr).toContain('--video is A or B');
});

test('--mode PACKSHOT --export tokopedia --export shopee: the packshot, each export with its compliance, and the ZIP saved', async () => {
  const out = path.join(outRoot, 'packshot');
  const product = path.join(outRoot, 'bag-on-teal.jpg');
  await writeFile(product, await productOnColour());
  const run = await example(['--product', product, '--mode', 'PACKSHOT', '--export', 'tokopedia', '--export', 'shopee', '--out', out, '--url', server.url, '--user', 'packshot-cli']);
  expect(run.stderr).not.toMatch(/error/i);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/exports\/tokopedia-1\.jpg: \d+×\d+, \d+ bytes, passes every TOKOPEDIA rule/);
  expect(run.stdout).toMatch(/exports\/shopee-1\.jpg: .*passes every SHOPEE rule/);
  expect((await readdir(out)).sort()).toEqual(['batch.zip', 'exports', 'image-1.jpg', 'prompts.json', 'prompts.txt']);
  expect((await readdir(path.join(out, 'exports'))).sort()).toEqual(['shopee-1.jpg', 'tokopedia-1.jpg']);
  const zip = await readFile(path.join(out, 'batch.zip'));
  expect(zip.subarray(0, 2).toString()).toBe('PK');
});

test('bad input exits non-zero with the reason and costs nothing', async () => {
  const token = await server.token('joko');
  const env = { ETALASE_TOKEN: token };
  const usage = await example(['--count', 'many'], env);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain('--count must be a whole number');

  const missing = await example(['--product', 'nope.jpg', '--url', server.url], env);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain('cannot read nope.jpg: ENOENT');

  const typed = await example(['--product', photo('product-1.jpg'), '--option', 'pose=Walking Pose', '--option', 'category=BAGS', '--url', server.url], env);
  expect(typed.code).toBe(1);
  expect(typed.stderr).toMatch(/InvalidInputError: .*\(options\.pose\)/);

  const preset = await example(['--product', photo('product-1.jpg'), '--export', 'ebay', '--url', server.url], env);
  expect(preset.code).toBe(2);
  expect(preset.stderr).toContain('--export is one of tiktok_shop, shopee, tokopedia');

  const packshot = await example(['--mode', 'PACKSHOT', '--url', server.url], env);
  expect(packshot.code).toBe(1);
  expect(packshot.stderr).toMatch(/InvalidInputError: PACKSHOT needs a product photo.*\(productImages\)/);

  const refused = await example(['--product', photo('product-1.jpg'), '--url', server.url], { ETALASE_TOKEN: 'not-a-token' });
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('UNAUTHENTICATED');
  expect(await balance(token)).toBe(10);
});
