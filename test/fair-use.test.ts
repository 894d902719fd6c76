// Fair use per user on real PostgreSQL, with two app instances on one database: the limits hold
// across both because their state is in the database, and a refusal moves no coin.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startFalFake, type FalFake } from './fakes/fal.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectBooksBalancedAfterEach } from './helpers/books.js';
import { describeWithPostgres, freshDatabase, type TestDatabase } from './helpers/postgres.js';

const GENERATE = `mutation($input: GenerateImagesInput!) { generateImages(input: $input) {
  __typename ... on Error { message } ... on RateLimitedError { retryAfterSeconds }
  ... on GenerateImagesSuccess { remainingCoins } } }`;
const FAL_KEY = 'fair-use:secret';

const userIdOf = async (t: TestApp, token: string) => (await t.gql('{ me { id } }', {}, { token })).body.data.me.id as string;

describeWithPostgres('fair use across two instances', () => {
  let db: TestDatabase;
  let fal: FalFake;
  let a: TestApp;
  let b: TestApp;
  let pool: pg.Pool;
  const leases = async () => (await pool.query('select count(*)::int as n from public.subscription_leases')).rows[0].n as number;

  beforeAll(async () => {
    db = await freshDatabase('fairuse');
    pool = new pg.Pool({ connectionString: db.url, max: 1 });
    fal = await startFalFake({ key: FAL_KEY, latencyMs: 1500 });
    const env = {
      DATABASE_URL: db.url,
      RATE_LIMITS: 'on',
      MAX_ACTIVE_GENERATIONS: '2',
      GENERATIONS_PER_MINUTE: '4',
      QUERY_COST_PER_MINUTE: '60',
      MAX_SUBSCRIPTIONS_PER_USER: '2',
      GENERATOR: 'fal',
      FAL_KEY,
      FAL_BASE_URL: fal.url,
    };
    a = await startTestApp(env);
    b = await startTestApp({ ...env, DATA_DIR: a.dataDir });
  });
  expectBooksBalancedAfterEach(() => a?.app.services.ledger);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await fal?.close();
    await pool?.end();
    await db?.drop();
  });

  test('at most MAX_ACTIVE_GENERATIONS run at once, counted over both instances; refusals cost nothing', async () => {
    const token = await a.token(`busy-${randomUUID()}`);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).gql(GENERATE, { input: { count: 1 } }, { token }).then((r) => r.body.data.generateImages)),
    );
    const kinds = results.map((r) => r.__typename).sort();
    expect(kinds.filter((k) => k === 'GenerateImagesSuccess')).toHaveLength(2);
    const limited = results.filter((r) => r.__typename === 'RateLimitedError');
    expect(limited).toHaveLength(4);
    expect(limited.every((r) => r.retryAfterSeconds >= 1 && /in progress/.test(r.message))).toBe(true);
    const userId = await userIdOf(a, token);
    expect(await a.app.services.ledger.balance(userId)).toBe(8);
  });

  test('GENERATIONS_PER_MINUTE counts starts over both instances, with the seconds to wait', async () => {
    const token = await a.token(`eager-${randomUUID()}`);
    const answers: any[] = [];
    for (let i = 0; i < 3; i++) {
      const pair = await Promise.all([a, b].map((t) => t.gql(GENERATE, { input: { count: 1 } }, { token })));
      answers.push(...pair.map((r) => r.body.data.generateImages));
    }
    expect(answers.filter((r) => r.__typename === 'GenerateImagesSuccess')).toHaveLength(4);
    const limited = answers.filter((r) => r.__typename === 'RateLimitedError');
    expect(limited).toHaveLength(2);
    expect(limited.every((r) => r.retryAfterSeconds >= 1 && r.retryAfterSeconds <= 60 && /a minute/.test(r.message))).toBe(true);
    expect(await a.app.services.ledger.balance(await userIdOf(a, token))).toBe(6);
  });

  test('the query budget is shared by both instances and answers HTTP 429 with Retry-After', async () => {
    const token = await a.token(`curious-${randomUUID()}`);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 40; i++) {
      const response = await (i % 2 ? a : b).app.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ me { id coinsBalance } }' }),
      });
      statuses.push(response.status);
      if (response.status === 429) {
        retryAfter = response.headers.get('retry-after');
        const body = await response.json();
        expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
        break;
      }
    }
    // { me { id coinsBalance } } costs 3: twenty fit in 60 points, the 21st is refused.
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Another seller is not affected.
    const other = await b.gql('{ me { coinsBalance } }', {}, { token: await b.token(`other-${randomUUID()}`) });
    expect(other.status).toBe(200);
  });

  test('open subscriptions per user are capped over both instances and freed when they end', async () => {
    const token = await a.token(`watcher-${randomUUID()}`);
    const query = 'subscription($key: String!) { generationEvents(idempotencyKey: $key) { stage status } }';
    // Over real sockets: a client that goes away is seen by the server as a closed connection.
    const servers = [a, b].map((t) => createServer(t.app.yoga).listen(0, '127.0.0.1'));
    await Promise.all(servers.map((srv) => once(srv, 'listening')));
    const urls = servers.map((srv) => `http://127.0.0.1:${(srv.address() as AddressInfo).port}/graphql`);
    const leaving = new AbortController();
    const open = (url: string, key: string, signal?: AbortSignal) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables: { key } }),
        signal,
      });
    const held = await Promise.all([open(urls[0]!, 'k1', leaving.signal), open(urls[1]!, 'k2', leaving.signal)]);
    expect(held.map((r) => r.status)).toEqual([200, 200]);
    await expect.poll(leases).toBe(2);
    const third = await open(urls[0]!, 'k3');
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('5');
    expect(await third.text()).toContain('RATE_LIMITED');
    // A client that goes away gives its place back.
    leaving.abort();
    await expect.poll(leases, { timeout: 10_000 }).toBe(0);
    servers.forEach((srv) => srv.closeAllConnections());
    await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  });
});
