// The coin and generation rules as the SQL functions enforce them, on PGlite (the embedded default).
// Races need several connections: they are tested on real PostgreSQL in ledger-postgres.test.ts.
import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyMigrations, migrationFiles } from '../src/adapters/ledger/migrate.js';
import { pgliteRunner } from '../src/adapters/ledger/pglite.js';
import { SqlLedger, type SqlRunner } from '../src/adapters/ledger/sql-ledger.js';
import type { ReserveRequest } from './helpers/books.js';
import { expectBooksBalancedAfterEach, reserveRequest } from './helpers/books.js';

let db: SqlRunner;
let ledger: SqlLedger;
beforeAll(async () => {
  db = pgliteRunner(await PGlite.create());
  await applyMigrations(db, { authStandIn: true });
  ledger = new SqlLedger(db);
});
afterAll(() => ledger.close());
expectBooksBalancedAfterEach(() => ledger);

const reserve = (userId: string, extra: Partial<ReserveRequest> = {}) => ledger.reserve(reserveRequest(userId, extra));


async function newUser(coins?: number) {
  const id = randomUUID();
  await ledger.ensureProfile(id);
  if (coins !== undefined) {
    const balance = await ledger.balance(id);
    if (coins > balance) await ledger.grant(id, coins - balance, 'test');
  }
  return id;
}

describe('profiles', () => {
  test('a new user is credited the signup coins once', async () => {
    const id = randomUUID();
    expect(await ledger.ensureProfile(id)).toBe(10);
    expect(await ledger.ensureProfile(id)).toBe(10);
    const { rows } = await db.query(`select kind, delta from public.coin_ledger where user_id = $1`, [id]);
    expect(rows).toEqual([{ kind: 'signup', delta: 10 }]);
  });

  test('the signup credit follows configuration, and a user created by auth gets it from the trigger', async () => {
    await ledger.setSignupCoins(3);
    const id = randomUUID();
    await db.query('insert into auth.users (id) values ($1)', [id]);
    expect(await ledger.balance(id)).toBe(3);
    await ledger.setSignupCoins(10);
  });

  test('grants must be positive', async () => {
    const id = await newUser();
    await expect(ledger.grant(id, 0, 'nothing')).rejects.toThrow(/positive/);
    expect(await ledger.grant(id, 5, 'top-up')).toBe(15);
  });
});

describe('reserve', () => {
  test('debit, ledger row and generation in one step; refused when the balance is short', async () => {
    const id = await newUser();
    expect(await reserve(id, { cost: 4 })).toEqual({ kind: 'reserved', balance: 6 });
    expect(await reserve(id, { cost: 7 })).toEqual({ kind: 'insufficient', required: 7, balance: 6 });
    expect(await ledger.balance(id)).toBe(6);
    const { rows } = await db.query(`select count(*)::int as n from public.generations where user_id = $1`, [id]);
    expect(rows[0]).toEqual({ n: 1 });
  });

  test('a free request writes no debit', async () => {
    const id = await newUser();
    expect(await reserve(id, { cost: 0 })).toEqual({ kind: 'reserved', balance: 10 });
  });

  test('the same key replays; the same key for another request conflicts', async () => {
    const id = await newUser();
    const first = randomUUID();
    expect(await reserve(id, { generationId: first, idempotencyKey: 'k1' })).toEqual({ kind: 'reserved', balance: 9 });
    expect(await reserve(id, { idempotencyKey: 'k1' })).toEqual({ kind: 'replay', id: first });
    expect(await reserve(id, { idempotencyKey: 'k1', requestHash: 'other' })).toEqual({ kind: 'idempotency-conflict', id: first });
    expect(await ledger.balance(id)).toBe(9);
    // Keys belong to a user: another user may use the same one.
    expect((await reserve(await newUser(), { idempotencyKey: 'k1' })).kind).toBe('reserved');
  });

  test('a first reservation makes the profile, with its signup credit, and charges it once', async () => {
    // (The embedded database's auth stand-in knows every user a verified token names; on Supabase an
    // unknown one is refused: test/postgres-app.test.ts.)
    const id = randomUUID();
    expect((await reserve(id)).kind).toBe('reserved');
    expect(await ledger.balance(id)).toBe(9);
    expect((await ledger.coinHistory(id, 10)).map((e) => e.node.delta)).toEqual([-1, 10]);
  });

  test('every migration has a version of its own (Supabase keys them by the prefix)', async () => {
    const names = (await migrationFiles()).map((f) => f.name);
    const versions = names.map((n) => n.split('_')[0]);
    expect(new Set(versions).size).toBe(names.length);
  });
});

describe('settling', () => {
  test('a failure is refunded exactly once, however often fail is called', async () => {
    const id = await newUser();
    const g = randomUUID();
    await reserve(id, { generationId: g, cost: 3 });
    for (let i = 0; i < 3; i++) expect(await ledger.fail(g, 'boom')).toEqual({ refunded: true, balance: 10 });
    const { rows } = await db.query(`select kind, delta from public.coin_ledger where generation_id = $1 order by id`, [g]);
    expect(rows).toEqual([{ kind: 'debit', delta: -3 }, { kind: 'refund', delta: 3 }]);
    expect(await ledger.complete(g, { images: [], warnings: [] })).toBe(false);
    expect((await ledger.generation(g))?.status).toBe('FAILED');
  });

  test('a completed generation is never refunded', async () => {
    const id = await newUser();
    const g = randomUUID();
    await reserve(id, { generationId: g });
    await ledger.recordPrompt(g, [{ slot: 'PRODUCT_1', text: 'a red bag' }], 'prompt', ['w1']);
    expect(await ledger.complete(g, { images: [{ url: 'u', width: 1, height: 1, contentType: 'image/jpeg', videoPrompts: [] }], warnings: ['w2'] })).toBe(true);
    expect(await ledger.fail(g, 'late failure')).toEqual({ refunded: false, balance: 9 });
    const record = await ledger.generation(g);
    expect(record).toMatchObject({ status: 'SUCCEEDED', enhancedPrompt: 'prompt', warnings: ['w1', 'w2'], descriptions: [{ slot: 'PRODUCT_1', text: 'a red bag' }] });
    expect(record?.finishedAt).toBeInstanceOf(Date);
  });

  test('cancel refunds too', async () => {
    const id = await newUser();
    const g = randomUUID();
    await reserve(id, { generationId: g, cost: 2 });
    expect(await ledger.fail(g, 'stopped by the user', 'CANCELED')).toEqual({ refunded: true, balance: 10 });
    expect((await ledger.generation(g))?.status).toBe('CANCELED');
  });

  test('overdue lists unfinished generations past their deadline, with the provider job id', async () => {
    const id = await newUser();
    const g = randomUUID();
    await reserve(id, { generationId: g, deadlineAt: new Date(Date.now() - 1000) });
    await ledger.setProviderRequest(g, 'req-1');
    const overdue = await ledger.overdue(new Date());
    expect(overdue.find((o) => o.id === g)).toMatchObject({ status: 'QUEUED', providerRequestId: 'req-1' });
    await ledger.fail(g, 'cleanup');
  });
});

describe('the books', () => {
  test('the ledger is append-only', async () => {
    const id = await newUser();
    await expect(db.query(`update public.coin_ledger set delta = 100 where user_id = $1`, [id])).rejects.toThrow(/append-only/);
    await expect(db.query(`delete from public.coin_ledger where user_id = $1`, [id])).rejects.toThrow(/append-only/);
  });

  test('a balance can never go below zero, even by a direct update', async () => {
    const id = await newUser();
    await expect(db.query(`update public.profiles set coins_balance = -1 where id = $1`, [id])).rejects.toThrow(/check/i);
  });

  test('problems() reports a balance that disagrees with its ledger', async () => {
    const id = await newUser();
    await db.query(`update public.profiles set coins_balance = 99 where id = $1`, [id]);
    expect(await ledger.problems()).toEqual([{ userId: id, problem: 'balance 99 <> ledger sum 10' }]);
    await db.query(`update public.profiles set coins_balance = 10 where id = $1`, [id]);
  });

  test('deleting a user removes their rows with them', async () => {
    const id = await newUser();
    await reserve(id);
    await db.query('delete from auth.users where id = $1', [id]);
    const { rows } = await db.query(`select count(*)::int as n from public.coin_ledger where user_id = $1`, [id]);
    expect(rows[0]).toEqual({ n: 0 });
  });

  test('the description cache stores and returns text', async () => {
    expect(await ledger.get('missing')).toBeNull();
    await ledger.put('k', 'first');
    await ledger.put('k', 'second');
    expect(await ledger.get('k')).toBe('second');
  });

  test('migrations applied twice are a no-op', async () => {
    expect(await applyMigrations(db, { authStandIn: true })).toEqual([]);
  });
});
