// Top-ups under real concurrency on PostgreSQL: 30 duplicate notifications at once credit once, a
// refund racing its settlement leaves the books right, a chargeback racing the seller's spending never
// leaves a negative balance; and, through the app, 30 concurrent notifications to two instances.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPostgresRunner } from '../src/adapters/ledger/postgres.js';
import { SqlLedger, type SqlRunner } from '../src/adapters/ledger/sql-ledger.js';
import { SqlTopUps } from '../src/adapters/ledger/topups.js';
import type { TopUpStatus } from '../src/studio/ports.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectBooksBalancedAfterEach, reserveRequest } from './helpers/books.js';
import { CREATE_TOP_UP, postNotification, sandboxKey, signedNotification } from './helpers/payments.js';
import { describeWithPostgres, freshDatabase, type TestDatabase } from './helpers/postgres.js';

describeWithPostgres('top-ups on PostgreSQL', () => {
  let db: TestDatabase;
  let sql: SqlRunner;
  let ledger: SqlLedger;
  let topUps: SqlTopUps;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await freshDatabase('topups');
    sql = await openPostgresRunner({ url: db.url, poolMax: 20, statementTimeoutMs: 10_000 });
    ledger = new SqlLedger(sql);
    topUps = new SqlTopUps(sql);
    const env = { DATABASE_URL: db.url, DATABASE_POOL_MAX: '10' };
    a = await startTestApp(env);
    b = await startTestApp({ ...env, DATA_DIR: a.dataDir }); // a second instance: same database and sandbox key
  });
  expectBooksBalancedAfterEach(() => ledger);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await ledger?.close();
    await db?.drop();
  });

  async function order(coins = 25) {
    const created = await topUps.createTopUp(
      { id: randomUUID(), userId: randomUUID(), package: 'hemat', coins, price: 25000, currency: 'IDR', gateway: 'midtrans' },
      null,
    );
    if ('rateLimited' in created) throw new Error('rate limited');
    return created;
  }
  const say = (id: string, status: TopUpStatus) => topUps.applyTopUpStatus(id, { status, gatewayStatus: status.toLowerCase(), amount: 25000, currency: 'IDR' });
  const rows = async (id: string) =>
    (await sql.query<{ kind: string; n: number }>('select kind, count(*)::int as n from public.coin_ledger where topup_id = $1 group by kind order by kind', [id])).rows;

  it('30 concurrent duplicate settlements credit once', async () => {
    const o = await order();
    const outcomes = await Promise.all(Array.from({ length: 30 }, () => say(o.id, 'PAID')));
    expect(outcomes.filter((x) => x.kind === 'applied')).toHaveLength(1);
    expect(outcomes.filter((x) => x.kind === 'unchanged')).toHaveLength(29);
    expect(await ledger.balance(o.userId)).toBe(35);
    expect(await rows(o.id)).toEqual([{ kind: 'topup', n: 1 }]);
  });

  it('settlements, refunds and late pendings all at once: REFUNDED, at most one credit and one reversal, the balance back where it was', async () => {
    for (let round = 0; round < 5; round++) {
      const o = await order();
      const statuses: TopUpStatus[] = Array.from({ length: 30 }, (_, i) => (['PAID', 'REFUNDED', 'PENDING'] as const)[i % 3]!);
      await Promise.all(statuses.map((s) => say(o.id, s)));
      expect((await topUps.topUp(o.id))!.status).toBe('REFUNDED');
      const counts = Object.fromEntries((await rows(o.id)).map((r) => [r.kind, r.n]));
      expect(counts.topup ?? 0).toBeLessThanOrEqual(1);
      expect(counts.topup_reversal ?? 0).toBe(counts.topup ?? 0);
      expect(await ledger.balance(o.userId)).toBe(10);
    }
  });

  it('a chargeback racing 20 one-coin batches: never a negative balance, and whatever it missed is written off', async () => {
    const o = await order();
    await say(o.id, 'PAID');
    const spending = Array.from({ length: 20 }, () => ledger.reserve(reserveRequest(o.userId, { cost: 1 })));
    const [reversal, ...spent] = await Promise.all([say(o.id, 'REFUNDED'), ...spending]);
    expect(reversal).toMatchObject({ kind: 'applied', status: 'REFUNDED' });
    const batches = spent.filter((x) => x.kind === 'reserved').length;
    const balance = await ledger.balance(o.userId);
    expect(balance).toBeGreaterThanOrEqual(0);
    const after = (await topUps.topUp(o.id))!;
    expect(after.coinsReversed + after.coinsUnrecovered).toBe(25);
    expect(balance).toBe(35 - batches - after.coinsReversed);
    // 35 coins and at most 20 spent: the balance held at least 15 whenever the reversal ran.
    expect(after.coinsReversed).toBeGreaterThanOrEqual(15);
  });

  it('through the app: 30 concurrent paid notifications to two instances credit once', async () => {
    const token = await a.token(`pg-buyer-${randomUUID()}`);
    const { topUp } = (await a.gql(CREATE_TOP_UP, { input: { package: 'populer' } }, { token })).body.data.createTopUp;
    const paid = signedNotification(await sandboxKey(a.dataDir), { orderId: topUp.id, transactionStatus: 'settlement', amount: 55000 });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => postNotification(i % 2 ? a : b, paid)));
    expect(answers.map((x) => x.status)).toEqual(Array(30).fill(200));
    expect(answers.every((x) => x.body.status === 'PAID')).toBe(true);
    expect((await b.gql('{ me { coinsBalance } }', {}, { token })).body.data.me.coinsBalance).toBe(70);
    expect(await rows(topUp.id)).toEqual([{ kind: 'topup', n: 1 }]);
  });
});
