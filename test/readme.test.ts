// The README's curl example, run as written against the real server: the first thing a newcomer does.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startServer, type RunningServer } from './helpers/server.js';

const root = new URL('..', import.meta.url).pathname;
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({});
});
afterAll(() => server?.close());

async function example(name: string): Promise<string> {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const block = readme.split('```bash').find((b) => b.trimStart().startsWith(`# example: ${name}`));
  if (!block) throw new Error(`README has no "# example: ${name}" block`);
  return block.slice(0, block.indexOf('```')).replaceAll('http://localhost:4000', server.url);
}

test('the curl example returns a SUCCEEDED generation with two JPEGs and lowers the balance', async () => {
  const script = await example('generate');
  const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: server.dataDir },
  });
  const result = JSON.parse(stdout).data.generateImages;
  expect(result.__typename).toBe('GenerateImagesSuccess');
  expect(result.generation.status).toBe('SUCCEEDED');
  expect(result.generation.images).toHaveLength(2);
  for (const image of result.generation.images) {
    const response = await fetch(image.url);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
  }
  const quote = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ quote { coins } }' }),
  });
  expect(result.remainingCoins).toBe(10 - (await quote.json()).data.quote.coins);
});

test('the buy example pays a package in the sandbox and the balance rises once', async () => {
  const script = await example('buy');
  const run = () =>
    promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: server.dataDir },
    });
  expect(JSON.parse((await run()).stdout)).toEqual({ status: 'PAID' });
  const balance = async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token('sari')}` },
      body: JSON.stringify({ query: '{ me { coinsBalance topUps(first: 5) { edges { node { status } } } } }' }),
    });
    return ((await response.json()) as { data: { me: { coinsBalance: number; topUps: { edges: Array<{ node: { status: string } }> } } } }).data.me;
  };
  expect(await balance()).toEqual({ coinsBalance: 35, topUps: { edges: [{ node: { status: 'PAID' } }] } });
});

test('the clip example: a batch, then startVideo on its image, ends with a 6 s MP4 and a poster behind signed URLs, charged once', async () => {
  const script = await example('clip');
  const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: server.dataDir },
  });
  const video = JSON.parse(stdout).data.video;
  expect(video).toMatchObject({ status: 'SUCCEEDED', durationSeconds: 6, cost: 6 });
  expect((await fetch(video.url)).headers.get('content-type')).toBe('video/mp4');
  expect((await fetch(video.posterUrl)).headers.get('content-type')).toBe('image/jpeg');
  const history = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token('alice')}` },
    body: JSON.stringify({ query: '{ me { coinHistory(first: 20) { edges { node { kind videoId } } } } }' }),
  });
  const entries = ((await history.json()) as any).data.me.coinHistory.edges.map((e: any) => e.node).filter((n: any) => n.videoId);
  expect(entries).toEqual([{ kind: 'DEBIT', videoId: expect.any(String) }]);
});
