// The Supabase ledger adapter through supabase-js and a PostgREST stand-in over real Postgres: the
// same SQL functions as the pg adapter, reached by name with named arguments under the service role.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPostgresLedger } from '../src/adapters/ledger/postgres.js';
import type { SqlLedger } from '../src/adapters/ledger/sql-ledger.js';
import { openSupabaseLedger, SupabaseRpcError } from '../src/adapters/ledger/supabase.js';
import type { Ledger, ReserveRequest } from '../src/studio/ports.js';
import { startPostgrestFake, type PostgrestFake } from './fakes/postgrest.js';
import { describeWithPostgres, freshDatabase, type TestDatabase } from './helpers/postgres.js';
import { expectBooksBalancedAfterEach, reserveRequest as request } from './helpers/books.js';


describeWithPostgres('Supabase ledger adapter (supabase-js → PostgREST fake → Postgres)', () => {
  let db: TestDatabase;
  let direct: SqlLedger;
  let fake: PostgrestFake;
  let ledger: Ledger;
  let admin: pg.Pool;

  beforeAll(async () => {
    db = await freshDatabase('supabase_ledger');
    direct = await openPostgresLedger({ url: db.url, poolMax: 2, statementTimeoutMs: 10_000 });
    fake = await startPostgrestFake({ databaseUrl: db.url, poolMax: 12 });
    ledger = openSupabaseLedger({ url: fake.url, serviceRoleKey: fake.serviceRoleKey });
    admin = new pg.Pool({ connectionString: db.url, max: 1 });
  });
  expectBooksBalancedAfterEach(() => ledger);
  afterAll(async () => {
    await ledger?.close();
    await fake?.close();
    await direct?.close();
    await admin?.end();
    await db?.drop();
  });

  const rpc = (fn: string, body: unknown, token: string) =>
    fetch(`${fake.url}/rest/v1/rpc/${fn}`, {
      method: 'POST',
      headers: { apikey: token, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('ensureProfile, balance, grant, ledgerSum and setSignupCoins', async () => {
    const user = randomUUID();
    expect(await ledger.ensureProfile(user)).toBe(10);
    expect(await ledger.ensureProfile(user)).toBe(10);
    expect(await ledger.grant(user, 5, 'support')).toBe(15);
    expect(await ledger.balance(user)).toBe(15);
    expect(await ledger.ledgerSum(user)).toBe(15);
    expect(await ledger.balance(randomUUID())).toBe(0);
    await ledger.setSignupCoins(3);
    try {
      expect(await ledger.ensureProfile(randomUUID())).toBe(3);
    } finally {
      await ledger.setSignupCoins(10);
    }
    const last = fake.requests.at(-1)!;
    expect(last).toMatchObject({ fn: 'set_signup_coins', role: 'service_role', status: 204, args: { p_coins: 10 } });
  });

  it('reserve: reserved, replay, idempotency conflict and insufficient', async () => {
    const user = randomUUID();
    await ledger.ensureProfile(user);
    const first = request(user, { idempotencyKey: 'k', cost: 2 });
    expect(await ledger.reserve(first)).toEqual({ kind: 'reserved', balance: 8 });
    expect(await ledger.reserve({ ...first, generationId: randomUUID() })).toEqual({ kind: 'replay', generationId: first.generationId });
    expect(await ledger.reserve(request(user, { idempotencyKey: 'k', requestHash: 'other' }))).toEqual({
      kind: 'idempotency-conflict',
      generationId: first.generationId,
    });
    expect(await ledger.reserve(request(user, { cost: 100 }))).toEqual({ kind: 'insufficient', required: 100, balance: 8 });
    expect(await ledger.balance(user)).toBe(8);
    const reserveCall = fake.requests.find((r) => r.fn === 'reserve_generation')!;
    const { rows } = await admin.query<{ names: string[] }>(
      "select proargnames as names from pg_proc where proname = 'reserve_generation' and pronamespace = 'public'::regnamespace",
    );
    expect(Object.keys(reserveCall.args as object).sort()).toEqual([...rows[0]!.names].sort());
  });

  it('recordPrompt, setProviderRequest, complete and generation()', async () => {
    const user = randomUUID();
    await ledger.ensureProfile(user);
    const r = request(user, { mode: 'REFERENCE', count: 2, input: { options: { productType: 'BOTTLE' } } });
    await ledger.reserve(r);
    await ledger.recordPrompt(r.generationId, [{ slot: 'PRODUCT_1', text: 'a green bottle' }], 'prompt text', ['w1']);
    await ledger.setProviderRequest(r.generationId, 'fal-req-1');
    const images = [{ url: 'https://cdn/x.png', width: 1024, height: 1024, contentType: 'image/png', videoPrompts: [] }];
    expect(await ledger.complete(r.generationId, { images, warnings: ['w2'] })).toBe(true);
    expect(await ledger.complete(r.generationId, { images, warnings: [] })).toBe(false);

    const g = (await ledger.generation(r.generationId))!;
    expect(g).toMatchObject({
      id: r.generationId,
      userId: user,
      status: 'SUCCEEDED',
      mode: 'REFERENCE',
      count: 2,
      cost: 1,
      descriptions: [{ slot: 'PRODUCT_1', text: 'a green bottle' }],
      enhancedPrompt: 'prompt text',
      images,
      warnings: ['w1', 'w2'],
      providerRequestId: 'fal-req-1',
      error: null,
      input: { options: { productType: 'BOTTLE' } },
    });
    expect(g.createdAt).toBeInstanceOf(Date);
    expect(g.finishedAt).toBeInstanceOf(Date);
    expect(g.deadlineAt.getTime()).toBe(r.deadlineAt.getTime());
    expect(await ledger.generation(randomUUID())).toBeNull();
  });

  it('fail refunds once however often it is called, and complete after fail is refused', async () => {
    const user = randomUUID();
    await ledger.ensureProfile(user);
    const r = request(user, { cost: 4 });
    await ledger.reserve(r);
    expect(await ledger.fail(r.generationId, 'provider down')).toEqual({ refunded: true, balance: 10 });
    expect(await ledger.fail(r.generationId, 'again', 'CANCELED')).toEqual({ refunded: true, balance: 10 });
    expect(await ledger.complete(r.generationId, { images: [], warnings: [] })).toBe(false);
    const { rows } = await admin.query("select count(*)::int as n from public.coin_ledger where generation_id = $1 and kind = 'refund'", [
      r.generationId,
    ]);
    expect(rows[0].n).toBe(1);
    expect((await ledger.generation(r.generationId))).toMatchObject({ status: 'FAILED', error: 'provider down' });
  });

  it('overdue() lists unfinished generations past their deadline', async () => {
    const user = randomUUID();
    await ledger.ensureProfile(user);
    const late = request(user, { deadlineAt: new Date(Date.now() - 1_000) });
    const onTime = request(user);
    await ledger.reserve(late);
    await ledger.reserve(onTime);
    const ids = (await ledger.overdue(new Date())).map((g) => g.id);
    expect(ids).toContain(late.generationId);
    expect(ids).not.toContain(onTime.generationId);
    await ledger.fail(late.generationId, 'deadline passed');
    expect((await ledger.overdue(new Date())).map((g) => g.id)).not.toContain(late.generationId);
  });

  it('description cache get/put', async () => {
    expect(await ledger.get('sha:product:model')).toBeNull();
    await ledger.put('sha:product:model', 'a green glass bottle');
    expect(await ledger.get('sha:product:model')).toBe('a green glass bottle');
    await ledger.put('sha:product:model', 'updated');
    expect(await ledger.get('sha:product:model')).toBe('updated');
  });

  it('problems() reports broken books through the API', async () => {
    const user = randomUUID();
    await ledger.ensureProfile(user);
    await admin.query('update public.profiles set coins_balance = coins_balance + 5 where id = $1', [user]);
    try {
      expect(await ledger.problems()).toEqual([{ userId: user, problem: 'balance 15 <> ledger sum 10' }]);
    } finally {
      await admin.query('update public.profiles set coins_balance = coins_balance - 5 where id = $1', [user]);
    }
  });

  it('an error raised by a function is thrown with its SQLSTATE', async () => {
    await expect(ledger.fail(randomUUID(), 'x')).rejects.toSatisfy(
      (e) => e instanceof SupabaseRpcError && e.code === 'P0002' && /no generation/.test(e.message),
    );
    expect(fake.requests.at(-1)!.status).toBe(500); // PostgREST: P0* other than P0001 → 500
    await expect(ledger.grant(randomUUID(), -1, 'negative')).rejects.toMatchObject({ code: '22023' });
    expect(fake.requests.at(-1)!.status).toBe(400);
    await expect(ledger.fail(randomUUID(), 'x', 'SUCCEEDED' as 'FAILED')).rejects.toBeInstanceOf(Error);
  });

  it('30 concurrent reserves through supabase-js against 10 coins: exactly 10 succeed', async () => {
    const user = randomUUID();
    await ledger.ensureProfile(user);
    const outcomes = await Promise.all(Array.from({ length: 30 }, () => ledger.reserve(request(user))));
    expect(outcomes.filter((o) => o.kind === 'reserved')).toHaveLength(10);
    expect(outcomes.filter((o) => o.kind === 'insufficient')).toHaveLength(20);
    expect(await ledger.balance(user)).toBe(0);
  });

  it('the fake answers like PostgREST: unknown function, anon and user tokens, bad JWT, void', async () => {
    const unknown = await rpc('no_such_function', { a: 1 }, fake.serviceRoleKey);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'PGRST202' });
    const wrongArgs = await rpc('ensure_profile', { p_nope: randomUUID() }, fake.serviceRoleKey);
    expect(wrongArgs.status).toBe(404);

    const anon = await rpc('ensure_profile', { p_user: randomUUID() }, fake.anonKey);
    expect(anon.status).toBe(401);
    expect(await anon.json()).toMatchObject({ code: '42501', message: expect.stringContaining('permission denied') });
    const userToken = await fake.sign({ role: 'authenticated', sub: randomUUID(), aud: 'authenticated' });
    const asUser = await rpc('grant_coins', { p_user: randomUUID(), p_amount: 100, p_reason: 'free' }, userToken);
    expect(asUser.status).toBe(403);

    const forged = await rpc('ensure_profile', { p_user: randomUUID() }, `${fake.serviceRoleKey.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ code: 'PGRST301' });

    const scalar = await rpc('ensure_profile', { p_user: randomUUID() }, fake.serviceRoleKey);
    expect(scalar.status).toBe(200);
    expect(await scalar.json()).toBe(10);
    const nothing = await rpc('put_description', { p_key: 'k2', p_description: 'd' }, fake.serviceRoleKey);
    expect(nothing.status).toBe(204);
  });
});
