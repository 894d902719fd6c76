// The whole app on real PostgreSQL: generateImages under races, idempotent retries in flight, two
// instances sharing one database, and the Supabase wiring (the project's Postgres + Supabase tokens).
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { describeWithPostgres, freshDatabase, type TestDatabase } from './helpers/postgres.js';
import { expectBooksBalancedAfterEach } from './helpers/books.js';

const GENERATE = `mutation($input: GenerateImagesInput!) { generateImages(input: $input) {
  __typename ... on InsufficientCoinsError { required balance }
  ... on GenerateImagesSuccess { remainingCoins generation { id status images { url } } } } }`;

const userIdOf = async (t: TestApp, token: string) => (await t.gql('{ me { id } }', {}, { token })).body.data.me.id as string;

describeWithPostgres('generateImages on PostgreSQL', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await freshDatabase('app');
    const env = { DATABASE_URL: db.url, DATABASE_POOL_MAX: '8' };
    a = await startTestApp(env);
    b = await startTestApp({ ...env, DATA_DIR: a.dataDir }); // a second instance: same database, same token secret
  });
  expectBooksBalancedAfterEach(() => a?.app.services.ledger);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  test('200 concurrent requests with 10 coins at 1 coin each: exactly 10 succeed', async () => {
    const token = await a.token(`racer-${randomUUID()}`);
    const results = await Promise.all(
      Array.from({ length: 200 }, () => a.gql(GENERATE, { input: { count: 1 } }, { token }).then((r) => r.body.data.generateImages)),
    );
    const kinds = results.map((r) => r.__typename);
    expect(kinds.filter((k) => k === 'GenerateImagesSuccess')).toHaveLength(10);
    expect(kinds.filter((k) => k === 'InsufficientCoinsError')).toHaveLength(190);
    const userId = await userIdOf(a, token);
    expect(await a.app.services.ledger.balance(userId)).toBe(0);
    expect(await a.app.services.ledger.ledgerSum(userId)).toBe(0);
  });

  test('50 concurrent retries with one idempotencyKey: one charge, one generation, the same answer', async () => {
    const token = await a.token(`retrier-${randomUUID()}`);
    const input = { count: 2, idempotencyKey: 'checkout-7' };
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).gql(GENERATE, { input }, { token }).then((r) => r.body.data.generateImages)),
    );
    const ids = new Set(results.map((r) => r.generation?.id));
    expect(ids.size).toBe(1);
    expect(results.every((r) => r.generation.status === 'SUCCEEDED')).toBe(true);
    // the same files; each answer signs its own links
    const files = (r: any) => JSON.stringify(r.generation.images.map((i: { url: string }) => new URL(i.url).pathname));
    expect(new Set(results.map(files)).size).toBe(1);
    expect(await a.app.services.ledger.balance(await userIdOf(a, token))).toBe(9);
  });

  test('two instances share one balance: 40 requests split across them, 10 coins, 10 succeed', async () => {
    const token = await a.token(`two-instances-${randomUUID()}`);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).gql(GENERATE, { input: { count: 1 } }, { token }).then((r) => r.body.data.generateImages.__typename)),
    );
    expect(results.filter((k) => k === 'GenerateImagesSuccess')).toHaveLength(10);
  });
});

describeWithPostgres("the app on Supabase (the project's Postgres by DATABASE_URL, Supabase tokens)", () => {
  // What a Supabase project hands out: its URL (the tokens' issuer), its JWT secret, and keys signed with it.
  const supabaseUrl = 'http://127.0.0.1:54321';
  const key = new TextEncoder().encode(randomBytes(32).toString('base64url'));
  const sign = (claims: JWTPayload) => new SignJWT({ iss: 'supabase', ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().sign(key);
  const rest = { url: supabaseUrl, anonKey: '', serviceRoleKey: '' };
  let db: TestDatabase;
  let t: TestApp;
  let admin: pg.Pool;
  /** what Supabase Auth does at sign-up: the on_auth_user_created trigger makes the profile */
  const signUp = async (id: string) => admin.query('insert into auth.users (id) values ($1)', [id]);

  beforeAll(async () => {
    db = await freshDatabase('supabase_app');
    // A Supabase project has its migrations applied by the CLI; here the pg adapter applies them once.
    // Supabase Auth owns auth.users and has no auth.ensure_user(): drop the stand-in's, as it would be.
    const { openPostgresLedger } = await import('../src/adapters/ledger/postgres.js');
    await (await openPostgresLedger({ url: db.url, poolMax: 1, statementTimeoutMs: 10_000 })).close();
    admin = new pg.Pool({ connectionString: db.url, max: 1 });
    await admin.query('drop function auth.ensure_user(uuid)');
    rest.anonKey = await sign({ role: 'anon' });
    rest.serviceRoleKey = await sign({ role: 'service_role' });
    t = await startTestApp({
      SUPABASE_URL: rest.url,
      SUPABASE_SERVICE_ROLE_KEY: rest.serviceRoleKey,
      SUPABASE_ANON_KEY: rest.anonKey,
      SUPABASE_JWT_SECRET: new TextDecoder().decode(key),
      LEDGER: 'supabase',
      DATABASE_URL: db.url, // the ledger and the job queue: the project's Postgres connection string
    });
  });
  afterAll(async () => {
    await t?.close();
    await admin?.end();
    await db?.drop();
  });

  const userToken = (sub: string, extra: Record<string, unknown> = {}) =>
    sign({ sub, role: 'authenticated', aud: 'authenticated', iss: `${rest.url}/auth/v1`, exp: Math.floor(Date.now() / 1000) + 600, ...extra });

  test('a Supabase user signs in, gets the signup coins and generates', async () => {
    expect(t.config.ledger.kind).toBe('supabase');
    expect(t.config.auth.kind).toBe('supabase');
    const sub = randomUUID();
    await signUp(sub);
    const token = await userToken(sub);
    const me = await t.gql('{ me { id coinsBalance } }', {}, { token });
    expect(JSON.stringify(me.body.errors)).toBeUndefined();
    expect(me.body.data.me).toEqual({ id: sub, coinsBalance: 10 });
    const result = (await t.gql(GENERATE, { input: { count: 1 } }, { token })).body.data.generateImages;
    expect(result).toMatchObject({ __typename: 'GenerateImagesSuccess', remainingCoins: 9 });
    const history = (await t.gql('{ me { generations { edges { node { id status } } } coinHistory { edges { node { kind delta } } } } }', {}, { token })).body.data.me;
    expect(history.generations.edges.map((e: any) => e.node)).toEqual([{ id: result.generation.id, status: 'SUCCEEDED' }]);
    expect(history.coinHistory.edges.map((e: any) => e.node)).toEqual([{ kind: 'DEBIT', delta: -1 }, { kind: 'SIGNUP', delta: 10 }]);
    expect(await t.app.services.ledger.problems()).toEqual([]);
  });

  test('30 concurrent requests of one Supabase user with 10 coins: exactly 10 succeed (the path production takes)', async () => {
    const sub = randomUUID();
    await signUp(sub);
    const token = await userToken(sub);
    const results = await Promise.all(
      Array.from({ length: 30 }, () => t.gql(GENERATE, { input: { count: 1 } }, { token }).then((r) => r.body.data.generateImages)),
    );
    const kinds = results.map((r) => r.__typename);
    expect(kinds.filter((k) => k === 'GenerateImagesSuccess')).toHaveLength(10);
    expect(kinds.filter((k) => k === 'InsufficientCoinsError')).toHaveLength(20);
    expect(await t.app.services.ledger.balance(sub)).toBe(0);
    expect(await t.app.services.ledger.ledgerSum(sub)).toBe(0);
  });

  test('a valid token for a user Supabase no longer has is UNAUTHENTICATED, and auth.users is left alone', async () => {
    const ghost = randomUUID();
    const { body } = await t.gql('{ me { id coinsBalance } }', {}, { token: await userToken(ghost) });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await admin.query('select count(*)::int as n from auth.users where id = $1', [ghost])).rows[0]).toEqual({ n: 0 });
    // The reservation makes a missing profile itself: for a ghost it refuses, and nothing is written.
    const generate = await t.gql(GENERATE, { input: { count: 1 } }, { token: await userToken(ghost) });
    expect(generate.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await admin.query('select count(*)::int as n from public.generations where user_id = $1', [ghost])).rows[0]).toEqual({ n: 0 });
  });

  test('the anon key, the service-role key and anonymous sign-ins are not user tokens', async () => {
    for (const token of [rest.anonKey, rest.serviceRoleKey, await userToken(randomUUID(), { is_anonymous: true })]) {
      const { body } = await t.gql('{ me { id } }', {}, { token });
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});
