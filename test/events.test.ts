// Live progress over SSE: by idempotencyKey before the batch starts, by id afterwards, owner only,
// and across two instances through Redis.
import { randomUUID } from 'node:crypto';
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { jpeg } from './helpers/images.js';
import { subscribe } from './helpers/sse.js';

const EVENTS = `subscription($id: ID, $key: String) {
  generationEvents(id: $id, idempotencyKey: $key) { generationId stage done total queuePosition status } }`;
const GENERATE = `mutation($input: GenerateImagesInput!) { generateImages(input: $input) {
  __typename ... on GenerateImagesSuccess { generation { id } } } }`;

const fetchVia = (t: TestApp) => async (url: string, init: RequestInit) => t.app.yoga.fetch(url, init);

describe('one instance, in memory', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  test('subscribe by key, then generate: queued → describing → generating → each image stored → finished', async () => {
    const token = await t.token('watcher');
    const key = `watch-${randomUUID()}`;
    const photo = await jpeg();
    const sub = subscribe(fetchVia(t), 'http://localhost/graphql', EVENTS, { key }, token);
    await sub.opened;
    const files = [0, 1].map((i) => ({ path: `input.productImages.${i}`, bytes: photo }));
    const result = await t.upload(GENERATE, { input: { productImages: [null, null], count: 1, idempotencyKey: key } }, files, { token });
    const id = result.body.data.generateImages.generation.id;
    const events = (await sub.events).map((e: any) => e.data.generationEvents);
    expect(events.every((e) => e.generationId === id)).toBe(true);
    expect(events.map((e) => e.stage)).toEqual(['QUEUED', 'DESCRIBING', 'DESCRIBING', 'DESCRIBING', 'GENERATING', 'IMAGE_STORED', 'FINISHED']);
    expect(events[0]).toMatchObject({ queuePosition: 0 });
    expect(events[3]).toMatchObject({ done: 2, total: 2 });
    expect(events[5]).toMatchObject({ done: 1, total: 1 });
    expect(events.at(-1)).toMatchObject({ status: 'SUCCEEDED' });
  });

  test('a key subscription also ends when the request is refused before any generation exists', async () => {
    const token = await t.token('refused-watcher');
    const key = `refused-${randomUUID()}`;
    const sub = subscribe(fetchVia(t), 'http://localhost/graphql', EVENTS, { key }, token);
    await sub.opened;
    const result = await t.gql(GENERATE, { input: { count: 1, idempotencyKey: key, options: { modelType: 'Robot' } } }, { token });
    expect(result.body.data.generateImages.__typename).toBe('InvalidInputError');
    expect((await sub.events).map((e: any) => e.data.generationEvents)).toEqual([
      { generationId: null, stage: 'FINISHED', done: null, total: null, queuePosition: null, status: 'FAILED' },
    ]);
  });

  test('subscribing to a finished generation by id gives its final state at once', async () => {
    const token = await t.token('late-watcher');
    const id = (await t.gql(GENERATE, { input: { count: 1 } }, { token })).body.data.generateImages.generation.id;
    const events = await subscribe(fetchVia(t), 'http://localhost/graphql', EVENTS, { id }, token).events;
    expect(events.map((e: any) => e.data.generationEvents)).toEqual([
      { generationId: id, stage: 'FINISHED', done: null, total: null, queuePosition: null, status: 'SUCCEEDED' },
    ]);
  });

  test("someone else's generation is not found", async () => {
    const id = (await t.gql(GENERATE, { input: { count: 1 } }, { token: await t.token('owner-e') })).body.data.generateImages.generation.id;
    const events = await subscribe(fetchVia(t), 'http://localhost/graphql', EVENTS, { id }, await t.token('snoop')).events;
    expect((events[0] as any).errors[0].extensions.code).toBe('NOT_FOUND');
  });
});

describe('Redis unreachable', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Nothing listens on port 1: every Redis command fails. Progress is lost, generations are not.
    t = await startTestApp({ EVENTS: 'redis', REDIS_URL: 'redis://127.0.0.1:1' });
  });
  afterAll(() => t.close());

  test('generations still succeed and the process stays up', async () => {
    const token = await t.token('no-redis');
    for (let i = 0; i < 2; i++) {
      const { body } = await t.gql(GENERATE, { input: { count: 1 } }, { token });
      expect(body.data.generateImages.__typename).toBe('GenerateImagesSuccess');
    }
  });
});

const redisUp = await new Promise<boolean>((resolve) => {
  const socket = createConnection({ host: '127.0.0.1', port: 6379 }, () => (socket.end(), resolve(true)));
  socket.on('error', () => resolve(false));
});
if (!redisUp && process.env.CI === 'true') throw new Error('Redis on 127.0.0.1:6379 is required under CI');

describe.skipIf(!redisUp)('two instances through Redis', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { EVENTS: 'redis', REDIS_URL: 'redis://127.0.0.1:6379' };
    a = await startTestApp(env);
    b = await startTestApp(env); // its own database and token secret; dev user ids depend on the name only
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  test('a subscription on one instance sees a batch made on the other', async () => {
    const userToken = await a.token('multi');
    const key = `redis-${randomUUID()}`;
    const sub = subscribe(fetchVia(a), 'http://localhost/graphql', EVENTS, { key }, userToken);
    await sub.opened;
    // Redis SUBSCRIBE completes after the SSE headers go out; give it a moment before publishing.
    await new Promise((r) => setTimeout(r, 300));
    const result = await b.gql(GENERATE, { input: { count: 1, idempotencyKey: key } }, { token: await b.token('multi') });
    expect(result.body.data.generateImages.__typename).toBe('GenerateImagesSuccess');
    const events = (await sub.events).map((e: any) => e.data.generationEvents);
    expect(events.at(-1)).toMatchObject({ stage: 'FINISHED', status: 'SUCCEEDED', generationId: result.body.data.generateImages.generation.id });
  });
});
