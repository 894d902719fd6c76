// The top-up and API-key rules as the SQL functions enforce them, on PGlite: whatever statuses a
// gateway reports, in every order, an order ends at the highest and is credited at most once; the
// ledger's CHECKs and unique indexes refuse a second credit or a wrongly signed row; a reversal stops
// at zero and writes the rest off. Races: test/topups-postgres.test.ts.
import { randomBytes, randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyMigrations } from '../src/adapters/ledger/migrate.js';
import { pgliteRunner } from '../src/adapters/ledger/pglite.js';
import { SqlApiKeys } from '../src/adapters/ledger/api-keys.js';
import { SqlLedger, type SqlRunner } from '../src/adapters/ledger/sql-ledger.js';
import { SqlTopUps } from '../src/adapters/ledger/topups.js';
import type { TopUpStatus } from '../src/studio/ports.js';
import { expectBooksBalancedAfterEach, reserveRequest } from './helpers/books.js';

let db: SqlRunner;
let ledger: SqlLedger;
let topUps: SqlTopUps;
let keys: SqlApiKeys;
beforeAll(async () => {
  db = pgliteRunner(await PGlite.create());
  await applyMigrations(db, { authStandIn: true });
  ledger = new SqlLedger(db);
  topUps = new SqlTopUps(db);
  keys = new SqlApiKeys(db);
});
afterAll(() => ledger.close());
expectBooksBalancedAfterEach(() => ledger);

async function order(coins = 25, price = 25000, userId = randomUUID()) {
  const created = await topUps.createTopUp({ id: randomUUID(), userId, package: 'hemat', coins, price, currency: 'IDR', gateway: 'sandbox' }, null);
  if ('rateLimited' in created) throw new Error('rate limited');
  return created;
}
const say = (id: string, status: TopUpStatus, amount = 25000, currency = 'IDR') =>
  topUps.applyTopUpStatus(id, { status, gatewayStatus: status.toLowerCase(), amount, currency });

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

const RANK: TopUpStatus[] = ['PENDING', 'EXPIRED', 'FAILED', 'PAID', 'REFUNDED'];

describe('a gateway status applied to an order', () => {
  test('every order of every set of statuses ends at the highest, with the coins that status means', async () => {
    const sets: TopUpStatus[][] = [
      ['PENDING', 'PAID', 'PAID', 'PENDING'],
      ['PENDING', 'PAID', 'REFUNDED'],
      ['PENDING', 'EXPIRED', 'PENDING'],
      ['PENDING', 'FAILED', 'PAID'],
      ['PAID', 'FAILED', 'EXPIRED'],
      ['REFUNDED', 'PAID', 'REFUNDED', 'PENDING'],
    ];
    for (const set of sets) {
      const highest = RANK[Math.max(...set.map((s) => RANK.indexOf(s)))]!;
      for (const sequence of permutations(set)) {
        const o = await order();
        for (const status of sequence) await say(o.id, status);
        const after = (await topUps.topUp(o.id))!;
        expect(after.status, sequence.join(' → ')).toBe(highest);
        // Credited and never reversed only when PAID is the highest; a reversal took everything back.
        expect(await ledger.balance(o.userId), sequence.join(' → ')).toBe(highest === 'PAID' ? 35 : 10);
        expect(after.paidAt !== null, sequence.join(' → ')).toBe(highest === 'PAID' || (highest === 'REFUNDED' && sequence.indexOf('PAID') < sequence.indexOf('REFUNDED')));
      }
    }
  });

  test('the outcomes: applied, unchanged, unknown, mismatch (amount or currency), which change nothing', async () => {
    const o = await order();
    expect(await say(o.id, 'PENDING')).toEqual({ kind: 'unchanged', status: 'PENDING' });
    expect(await say(o.id, 'PAID', 2500)).toEqual({ kind: 'mismatch', status: 'PENDING', price: 25000, currency: 'IDR' });
    expect(await say(o.id, 'PAID', 25000, 'USD')).toMatchObject({ kind: 'mismatch' });
    expect(await topUps.applyTopUpStatus(o.id, { status: 'PAID', gatewayStatus: 'settlement', amount: null, currency: 'IDR' })).toMatchObject({ kind: 'mismatch' });
    expect(await ledger.balance(o.userId)).toBe(10);
    expect(await say(o.id, 'PAID')).toEqual({ kind: 'applied', status: 'PAID', previous: 'PENDING', balance: 35 });
    expect(await say(o.id, 'PAID')).toEqual({ kind: 'unchanged', status: 'PAID' });
    expect(await say(randomUUID(), 'PAID')).toEqual({ kind: 'unknown' });
    await expect(topUps.applyTopUpStatus(o.id, { status: 'SETTLED' as TopUpStatus, gatewayStatus: 'x', amount: 25000, currency: 'IDR' })).rejects.toThrow(/unknown top-up status/);
  });

  test('a reversal takes what the balance holds; the rest is written off on the order and listed', async () => {
    const o = await order();
    await say(o.id, 'PAID');
    const spent = reserveRequest(o.userId, { cost: 30 });
    expect((await ledger.reserve(spent)).kind).toBe('reserved');
    await ledger.complete(spent.generationId, { images: [], warnings: [] });
    expect(await ledger.balance(o.userId)).toBe(5);
    expect(await say(o.id, 'REFUNDED')).toEqual({ kind: 'applied', status: 'REFUNDED', previous: 'PAID', balance: 0 });
    expect(await say(o.id, 'REFUNDED')).toEqual({ kind: 'unchanged', status: 'REFUNDED' });
    expect(await topUps.topUp(o.id)).toMatchObject({ status: 'REFUNDED', coinsReversed: 5, coinsUnrecovered: 20 });
    const { rows } = await db.query('select kind, delta, balance_after from public.coin_ledger where user_id = $1 order by id', [o.userId]);
    expect(rows).toEqual([
      { kind: 'signup', delta: 10, balance_after: 10 },
      { kind: 'topup', delta: 25, balance_after: 35 },
      { kind: 'debit', delta: -30, balance_after: 5 },
      { kind: 'topup_reversal', delta: -5, balance_after: 0 },
    ]);
    const shortfalls = await db.query('select topup_id, coins_unrecovered from public.topup_shortfalls() where user_id = $1', [o.userId]);
    expect(shortfalls.rows).toEqual([{ topup_id: o.id, coins_unrecovered: 20 }]);
    // Later coins are the seller's: the written-off coins are never taken from them.
    await ledger.grant(o.userId, 50, 'support');
    expect(await say(o.id, 'REFUNDED')).toMatchObject({ kind: 'unchanged' });
    expect(await ledger.balance(o.userId)).toBe(50);
  });

  test('a reversal of an empty balance writes no ledger row (delta <> 0) and writes everything off', async () => {
    const o = await order(25);
    await say(o.id, 'PAID');
    const spent = reserveRequest(o.userId, { cost: 35 });
    await ledger.reserve(spent);
    await ledger.complete(spent.generationId, { images: [], warnings: [] });
    expect(await say(o.id, 'REFUNDED')).toMatchObject({ kind: 'applied', balance: 0 });
    expect(await topUps.topUp(o.id)).toMatchObject({ coinsReversed: 0, coinsUnrecovered: 25 });
  });
});

describe('the ledger refuses what the functions never write', () => {
  test('a second credit of an order, a positive reversal, a top-up row without its order', async () => {
    const o = await order();
    await say(o.id, 'PAID');
    const insert = (kind: string, delta: number, topupId: string | null) =>
      db.query('insert into public.coin_ledger (user_id, delta, kind, topup_id, balance_after) values ($1, $2, $3, $4, 100)', [o.userId, delta, kind, topupId]);
    await expect(insert('topup', 25, o.id)).rejects.toThrow(/coin_ledger_one_topup/);
    await expect(insert('topup_reversal', 25, o.id)).rejects.toThrow(/coin_ledger_sign_check/);
    await expect(insert('topup', 25, null)).rejects.toThrow(/coin_ledger_topup_check/);
    await expect(insert('grant', 5, o.id)).rejects.toThrow(/coin_ledger_topup_check/);
    await expect(insert('bonus', 5, null)).rejects.toThrow(/coin_ledger_kind_check/);
    await expect(db.query("update public.topups set status = 'PAID', paid_at = null where id = $1", [o.id])).rejects.toThrow(/check/);
  });

  test('ledger_problems() sees an order whose rows do not match its status', async () => {
    const o = await order();
    await db.query("update public.topups set status = 'PAID', paid_at = now() where id = $1", [o.id]);
    expect((await ledger.problems()).map((p) => p.problem)).toEqual([`top-up ${o.id} is PAID with 0 credits (0 coins) and 0 reversals (0 coins)`]);
    await db.query("update public.topups set status = 'FAILED', paid_at = null where id = $1", [o.id]);
  });

  test('at most p_max_pending unpaid orders from the last hour', async () => {
    const userId = randomUUID();
    const make = () => topUps.createTopUp({ id: randomUUID(), userId, package: 'hemat', coins: 25, price: 25000, currency: 'IDR', gateway: 'midtrans' }, 2);
    expect(await make()).toMatchObject({ status: 'PENDING', gateway: 'midtrans' });
    const second = await make();
    expect(await make()).toEqual({ rateLimited: 60 });
    if (!('rateLimited' in second)) await say(second.id, 'EXPIRED');
    expect(await make()).toMatchObject({ status: 'PENDING' });
  });
});

describe('API keys in SQL', () => {
  const hash = () => new Uint8Array(randomBytes(32));

  test('hash only; found by prefix until revoked; listed without the hash; at most p_max in use', async () => {
    const userId = randomUUID();
    const secretHash = hash();
    const created = await keys.createApiKey({ id: randomUUID(), userId, name: 'shop backend', prefix: 'etl_abcdEFGH', secretHash }, 2);
    expect(created).toMatchObject({ name: 'shop backend', prefix: 'etl_abcdEFGH', lastUsedAt: null });
    if (typeof created === 'string') throw new Error(created);
    expect(await keys.findApiKey('etl_abcdEFGH')).toEqual({ id: created.id, userId, secretHash });
    const { rows } = await db.query('select * from public.api_keys where id = $1', [created.id]);
    expect(Object.keys(rows[0]!).sort()).toEqual(['created_at', 'id', 'last_used_at', 'name', 'prefix', 'revoked_at', 'secret_hash', 'seq', 'user_id']);
    expect(await keys.createApiKey({ id: randomUUID(), userId: randomUUID(), name: 'x', prefix: 'etl_abcdEFGH', secretHash: hash() }, 2)).toBe('prefix-taken');
    await keys.createApiKey({ id: randomUUID(), userId, name: 'second', prefix: 'etl_2bcdEFGH', secretHash: hash() }, 2);
    expect(await keys.createApiKey({ id: randomUUID(), userId, name: 'third', prefix: 'etl_3bcdEFGH', secretHash: hash() }, 2)).toBe('limit');
    await keys.touchApiKey(created.id);
    expect((await keys.apiKeys(userId)).map((k) => [k.name, k.lastUsedAt !== null])).toEqual([['second', false], ['shop backend', true]]);
    expect(await keys.revokeApiKey(randomUUID(), created.id)).toBeNull(); // not theirs
    expect(await keys.revokeApiKey(userId, created.id)).toMatchObject({ id: created.id, prefix: 'etl_abcdEFGH' });
    expect(await keys.revokeApiKey(userId, created.id)).toBeNull();
    expect(await keys.findApiKey('etl_abcdEFGH')).toBeNull();
    expect((await keys.apiKeys(userId)).map((k) => k.name)).toEqual(['second']);
    await expect(keys.createApiKey({ id: randomUUID(), userId, name: 'bad', prefix: 'key_abcdEFGH', secretHash: hash() }, 5)).rejects.toThrow(/check/);
    await expect(keys.createApiKey({ id: randomUUID(), userId, name: 'short', prefix: 'etl_4bcdEFGH', secretHash: new Uint8Array(8) }, 5)).rejects.toThrow(/check/);
  });
});
