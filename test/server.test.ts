// The real server (`npm start` entry) as a child process: a multipart request over HTTP, the image
// URLs it returns, GraphiQL served offline, CSRF and transport limits, clean shutdown.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { multipartBody } from './helpers/app.js';
import { jpeg } from './helpers/images.js';
import { startServer, type RunningServer } from './helpers/server.js';
import { subscribe } from './helpers/sse.js';

let server: RunningServer;
let token: string;

beforeAll(async () => {
  server = await startServer({ MAX_FILE_BYTES: String(2 * 1024 * 1024), MAX_FILES: '6' });
  token = await server.token('http-user');
});
afterAll(() => server?.close());

const GENERATE = `mutation($input: GenerateImagesInput!) { generateImages(input: $input) {
  __typename ... on GenerateImagesSuccess { remainingCoins generation { status images { url width height } } } } }`;

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/graphql`, { method: 'POST', body, headers: { authorization: `Bearer ${token}`, ...headers } });

test('multipart upload of two product photos over HTTP returns loadable JPEGs', async () => {
  const form = multipartBody(GENERATE, { input: { productImages: [null, null] } }, [
    { path: 'input.productImages.0', bytes: await jpeg({ color: '#aa3300' }) },
    { path: 'input.productImages.1', bytes: await jpeg({ color: '#0033aa' }) },
  ]);
  const response = await post(form, { 'apollo-require-preflight': 'true' });
  expect(response.status).toBe(200);
  const result = (await response.json()).data.generateImages;
  expect(result.__typename).toBe('GenerateImagesSuccess');
  expect(result.remainingCoins).toBe(9);
  expect(result.generation.images).toHaveLength(2);
  for (const image of result.generation.images) {
    expect(image.url.startsWith(`${server.url}/media/`)).toBe(true);
    const file = await fetch(image.url);
    expect(file.headers.get('content-type')).toBe('image/jpeg');
    const bytes = new Uint8Array(await file.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
  }
});

test('a multipart request without a CSRF header is refused', async () => {
  const form = multipartBody(GENERATE, { input: { productImages: [null] } }, [{ path: 'input.productImages.0', bytes: await jpeg() }]);
  expect((await post(form)).status).toBe(403);
});

test('a file over MAX_FILE_BYTES is a 413 and costs nothing', async () => {
  const big = new Uint8Array(3 * 1024 * 1024).fill(7);
  const form = multipartBody(GENERATE, { input: { productImages: [null] } }, [{ path: 'input.productImages.0', bytes: big }]);
  expect((await post(form, { 'x-graphql-yoga-csrf': '1' })).status).toBe(413);
  const me = await post(JSON.stringify({ query: '{ me { coinsBalance } }' }), { 'content-type': 'application/json' });
  expect((await me.json()).data.me.coinsBalance).toBe(9);
});

test('more files than MAX_FILES is a 400', async () => {
  const image = await jpeg({ width: 64, height: 64 });
  const files = Array.from({ length: 7 }, (_, i) => ({ path: `input.productImages.${i}`, bytes: image }));
  const form = multipartBody(GENERATE, { input: { productImages: files.map(() => null) } }, files);
  expect((await post(form, { 'x-graphql-yoga-csrf': '1' })).status).toBe(400);
});

test('GraphiQL is served with its assets bundled (no CDN)', async () => {
  const response = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
  const html = await response.text();
  expect(response.status).toBe(200);
  expect(html).toContain('Etalase');
  expect(html).not.toMatch(/<script[^>]+src="https?:\/\//);
  expect(html).not.toMatch(/<link[^>]+href="https?:\/\//);
});

test('health and readiness', async () => {
  expect((await fetch(`${server.url}/health`)).status).toBe(200);
  expect(await (await fetch(`${server.url}/ready`)).json()).toEqual({ status: 'ready' });
});

test('SIGTERM ends open subscriptions and shuts down cleanly', async () => {
  const EVENTS = 'subscription($key: String) { generationEvents(idempotencyKey: $key) { stage } }';
  const watching = subscribe(fetch, `${server.url}/graphql`, EVENTS, { key: 'never-sent' }, token);
  await watching.opened;
  expect(await server.stop('SIGTERM')).toBe(0);
  expect(await watching.events).toEqual([]);
  expect(watching.completed()).toBe(true);
});
