// Live progress over SSE: by idempotencyKey before the batch starts, by id afterwards, owner only,
// and across two instances through Redis.
import { randomUUID } from 'node:crypto';
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openEvents } from '../src/adapters/events/pubsub.js';
import { parseConfig } from '../src/config.js';
import type { EventBus, GenerationEvent, Logger } from '../src/studio/ports.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { jpeg } from './helpers/images.js';
import { subscribe } from './helpers/sse.js';

const EVENTS = `subscription($id: ID, $key: String) {
  generationEvents(id: $id, idempotencyKey: $key) { generationId stage done total queuePosition status } }`;
const GENERATE = `mutation($input: GenerateImagesInput!) { generateImages(input: $input) {
  __typename ... on GenerateImagesSuccess { generation { id } } } }`;

const fetchVia = (t: TestApp) => async (url: string, init: RequestInit) => t.app.yoga.fetch(url, init);

/** The bus on its own, with what it logged. */
async function bus(env: Record<string, string>) {
  const logged: string[] = [];
  const note = (message: string, fields?: Record<string, unknown>) => void logged.push(`${message} ${JSON.stringify(fields ?? {})}`);
  const log: Logger = { debug: () => {}, info: () => {}, warn: note, error: note };
  return { events: await openEvents(parseConfig({ DATA_DIR: '/tmp/unused', ...env }), log), logged };
}

/** The next event. A missed one would leave next() waiting for ever: fail after a bound instead
 *  (not a timing check; an event on this machine arrives in milliseconds or never). */
async function nextOf(events: AsyncGenerator<GenerationEvent>, what: string): Promise<GenerationEvent> {
  let timer!: NodeJS.Timeout;
  const missed = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`never delivered: ${what}`)), 10_000)));
  try {
    const next = await Promise.race([events.next(), missed]);
    if (next.done) throw new Error(`ended before ${what}`);
    return next.value;
  } finally {
    clearTimeout(timer);
  }
}

const queued = (generationId: string | null, position: number): GenerationEvent => ({ stage: 'QUEUED', position, at: 'ETALASE', generationId });

/** subscribe() resolves once listening: an event published right then, by `publisher`, arrives. */
async function publishedAtOnce(subscriber: EventBus, publisher: EventBus, rounds: number) {
  for (let i = 0; i < rounds; i++) {
    const generationId = randomUUID();
    const byKey = i % 2 === 1;
    const to = { generationId: byKey ? null : generationId, userId: 'u-bus', idempotencyKey: byKey ? `key-${generationId}` : null };
    const events = await subscriber.subscribe(byKey ? { userId: to.userId, idempotencyKey: to.idempotencyKey! } : { generationId });
    publisher.publish(to, queued(to.generationId, i));
    expect(await nextOf(events, `round ${i} (${byKey ? 'by key' : 'by id'})`)).toEqual(queued(to.generationId, i));
    await events.return(undefined);
  }
}

describe('the bus in memory', () => {
  test('an event published as soon as subscribe() resolves is delivered', async () => {
    const { events } = await bus({ EVENTS: 'memory' });
    await publishedAtOnce(events, events, 10);
    await events.close();
  });

  test('closing the bus ends a subscription that is waiting for an event', async () => {
    const { events } = await bus({ EVENTS: 'memory' });
    const waiting = (await events.subscribe({ generationId: randomUUID() })).next();
    await events.close();
    expect(await waiting).toEqual({ done: true, value: undefined });
  });
});

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
    expect(events.map((e) => e.stage)).toEqual(['QUEUED', 'DESCRIBING', 'DESCRIBING', 'DESCRIBING', 'GENERATING', 'REVIEWING', 'REVIEWING', 'IMAGE_STORED', 'FINISHED']);
    expect(events[0]).toMatchObject({ queuePosition: 0 });
    expect(events[3]).toMatchObject({ done: 2, total: 2 });
    expect(events.slice(5, 8).map((e) => [e.done, e.total])).toEqual([[0, 1], [1, 1], [1, 1]]);
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

  test('the bus still subscribes (nothing comes) and publishes, and says why', async () => {
    const { events, logged } = await bus({ EVENTS: 'redis', REDIS_URL: 'redis://127.0.0.1:1' });
    const subscription = await events.subscribe({ generationId: randomUUID() });
    events.publish({ generationId: randomUUID(), userId: 'u', idempotencyKey: null }, queued(null, 0));
    await subscription.return(undefined);
    await events.close();
    expect(logged.some((line) => line.startsWith('redis subscribe failed'))).toBe(true);
  });

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

describe.skipIf(!redisUp)('the bus on Redis', () => {
  const env = { EVENTS: 'redis', REDIS_URL: 'redis://127.0.0.1:6379' };
  let here: Awaited<ReturnType<typeof bus>>;
  let there: Awaited<ReturnType<typeof bus>>;
  beforeAll(async () => {
    [here, there] = await Promise.all([bus(env), bus(env)]);
  });
  afterAll(async () => {
    await here?.events.close();
    await there?.events.close();
    expect([...(here?.logged ?? []), ...(there?.logged ?? [])]).toEqual([]);
  });

  test('an event published from another connection as soon as subscribe() resolves is delivered, 50 times in a row', async () => {
    await publishedAtOnce(here.events, there.events, 50);
  });

  test('subscribers that join a channel while its SUBSCRIBE is on its way wait for the same answer', async () => {
    const generationId = randomUUID();
    const both = await Promise.all([here.events.subscribe({ generationId }), here.events.subscribe({ generationId })]);
    there.events.publish({ generationId, userId: 'u-bus', idempotencyKey: null }, queued(generationId, 3));
    for (const events of both) {
      expect(await nextOf(events, 'the shared channel')).toEqual(queued(generationId, 3));
      await events.return(undefined);
    }
  });

  test('leaving a channel and joining it again at once (UNSUBSCRIBE, then SUBSCRIBE) still listens', async () => {
    const generationId = randomUUID();
    await (await here.events.subscribe({ generationId })).return(undefined);
    const events = await here.events.subscribe({ generationId });
    there.events.publish({ generationId, userId: 'u-bus', idempotencyKey: null }, queued(generationId, 1));
    expect(await nextOf(events, 'the channel joined again')).toEqual(queued(generationId, 1));
    await events.return(undefined);
  });

  test('closing the bus ends a subscription that is waiting for an event', async () => {
    const own = await bus(env);
    const waiting = (await own.events.subscribe({ generationId: randomUUID() })).next();
    await own.events.close();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(own.logged).toEqual([]);
  });
});

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
    // The headers go out once the resolver's subscribe() has resolved, that is once Redis has
    // answered the SUBSCRIBE: the other instance may publish right away.
    await sub.opened;
    const result = await b.gql(GENERATE, { input: { count: 1, idempotencyKey: key } }, { token: await b.token('multi') });
    expect(result.body.data.generateImages.__typename).toBe('GenerateImagesSuccess');
    const events = (await sub.events).map((e: any) => e.data.generationEvents);
    expect(events.at(-1)).toMatchObject({ stage: 'FINISHED', status: 'SUCCEEDED', generationId: result.body.data.generateImages.generation.id });
  });
});
