// The ledger's money rules under real concurrency: many connections racing on one user, one key, one
// generation. Each rule lives in SQL; these tests show that it holds when the pool runs calls at once.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { applyMigrations, migrationFiles } from '../src/adapters/ledger/migrate.js';
import { openPostgresLedger } from '../src/adapters/ledger/postgres.js';
import type { SqlLedger } from '../src/adapters/ledger/sql-ledger.js';
import type { ReserveRequest } from './helpers/books.js';
import { describeWithPostgres, freshDatabase, type TestDatabase } from './helpers/postgres.js';
import { expectBooksBalancedAfterEach, reserveRequest as request } from './helpers/books.js';


const countBy = <T extends string>(items: T[]) =>
  items.reduce<Record<string, number>>((acc, k) => ({ ...acc, [k]: (acc[k] ?? 0) + 1 }), {});

describeWithPostgres('PostgreSQL ledger (pg pool)', () => {
  let db: TestDatabase;
  let ledger: SqlLedger;
  let admin: pg.Pool;

  beforeAll(async () => {
    db = await freshDatabase('ledger');
    ledger = await openPostgresLedger({ url: db.url, poolMax: 20, statementTimeoutMs: 10_000 });
    admin = new pg.Pool({ connectionString: db.url, max: 2 });
  });
  expectBooksBalancedAfterEach(() => ledger);
  afterAll(async () => {
    await ledger?.close();
    await admin?.end();
    await db?.drop();
  });

  async function userWith(coins: number): Promise<string> {
    const id = randomUUID();
    expect(await ledger.ensureProfile(id)).toBe(10);
    if (coins > 10) await ledger.grant(id, coins - 10, 'test');
    if (coins < 10) {
      // spend the difference on a generation that succeeds, so the books stay consistent
      const r = request(id, { cost: 10 - coins });
      await ledger.reserve(r);
      await ledger.complete(r.generationId, { images: [], warnings: [] });
    }
    return id;
  }

  const ledgerRows = async (where: string, params: unknown[]) =>
    (await admin.query<{ n: number }>(`select count(*)::int as n from public.coin_ledger where ${where}`, params)).rows[0]!.n;

  it('200 concurrent reserves against 10 coins: exactly 10 succeed and the balance ends at 0', async () => {
    const user = await userWith(10);
    const outcomes = await Promise.all(Array.from({ length: 200 }, () => ledger.reserve(request(user))));
    expect(countBy(outcomes.map((o) => o.kind))).toEqual({ reserved: 10, insufficient: 190 });
    expect(await ledger.balance(user)).toBe(0);
    expect(await ledger.ledgerSum(user)).toBe(0);
    expect(await ledgerRows("user_id = $1 and kind = 'debit'", [user])).toBe(10);
  });

  it('50 concurrent reserves with one idempotency key: one reservation, 49 replays of it, one debit', async () => {
    const user = await userWith(10);
    const requests = Array.from({ length: 50 }, () => request(user, { idempotencyKey: 'key-1', requestHash: 'same' }));
    const outcomes = await Promise.all(requests.map((r) => ledger.reserve(r)));
    const reservedAt = outcomes.findIndex((o) => o.kind === 'reserved');
    expect(countBy(outcomes.map((o) => o.kind))).toEqual({ reserved: 1, replay: 49 });
    const winner = requests[reservedAt]!.generationId;
    for (const o of outcomes) if (o.kind === 'replay') expect(o.id).toBe(winner);
    expect(await ledgerRows("user_id = $1 and kind = 'debit'", [user])).toBe(1);
    expect(await ledger.balance(user)).toBe(9);

    const conflict = await ledger.reserve(request(user, { idempotencyKey: 'key-1', requestHash: 'different' }));
    expect(conflict).toEqual({ kind: 'idempotency-conflict', id: winner });
    expect(await ledger.balance(user)).toBe(9);
  });

  it('fail() refunds exactly once, sequentially and with 20 concurrent calls; complete() after fail() is refused', async () => {
    const user = await userWith(10);
    const first = request(user, { cost: 2 });
    await ledger.reserve(first);
    expect(await ledger.fail(first.generationId, 'provider error')).toEqual({ refunded: true, balance: 10 });
    expect(await ledger.fail(first.generationId, 'again')).toEqual({ refunded: true, balance: 10 });
    expect(await ledger.complete(first.generationId, { images: [], warnings: [] })).toBe(false);
    expect((await ledger.generation(first.generationId))?.status).toBe('FAILED');

    const second = request(user, { cost: 3 });
    await ledger.reserve(second);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ledger.fail(second.generationId, `sweep ${i}`)));
    expect(results.every((r) => r.refunded && r.balance === 10)).toBe(true);
    expect(await ledgerRows("generation_id = $1 and kind = 'refund'", [second.generationId])).toBe(1);
    expect(await ledger.balance(user)).toBe(10);

    const done = request(user);
    await ledger.reserve(done);
    expect(await ledger.complete(done.generationId, { images: [], warnings: [] })).toBe(true);
    expect(await ledger.fail(done.generationId, 'too late')).toEqual({ refunded: false, balance: 9 });
  });

  it('the ledger is append-only: UPDATE and DELETE are refused even for the owner', async () => {
    const user = await userWith(10);
    await expect(admin.query('update public.coin_ledger set delta = 1000 where user_id = $1', [user])).rejects.toMatchObject({
      code: 'P0001',
      message: expect.stringContaining('append-only'),
    });
    await expect(admin.query('delete from public.coin_ledger where user_id = $1', [user])).rejects.toMatchObject({ code: 'P0001' });
    expect(await ledger.ledgerSum(user)).toBe(10);
  });

  it('a CHECK keeps the balance non-negative even for a direct UPDATE', async () => {
    const user = await userWith(10);
    await expect(admin.query('update public.profiles set coins_balance = -1 where id = $1', [user])).rejects.toMatchObject({
      code: '23514',
    });
  });

  it('deleting the account removes its ledger rows (the append-only trigger lets a cascade through)', async () => {
    const user = await userWith(10);
    await ledger.reserve(request(user));
    await admin.query('delete from auth.users where id = $1', [user]);
    expect(await ledgerRows('user_id = $1', [user])).toBe(0);
    expect(await ledger.balance(user)).toBe(0);
  });

  it('20 concurrent first sightings of a user create one profile with one signup credit', async () => {
    const user = randomUUID();
    const balances = await Promise.all(Array.from({ length: 20 }, () => ledger.ensureProfile(user)));
    expect(new Set(balances)).toEqual(new Set([10]));
    expect(await ledgerRows("user_id = $1 and kind = 'signup'", [user])).toBe(1);
    expect(await ledger.balance(user)).toBe(10);
  });

  it('re-applying the migrations is a no-op, and reopening skips the stand-in', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const runner = {
        exec: async (sql: string) => void (await client.query(sql)),
        query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params)).rows as T[] }),
        close: async () => {},
      };
      expect(await applyMigrations(runner, { authStandIn: true })).toEqual([]);
    } finally {
      await client.end();
    }
    const again = await openPostgresLedger({ url: db.url, poolMax: 2, statementTimeoutMs: 5_000 });
    await again.close();
  });

  it('two processes migrating one new database at once take turns, each file applied once', async () => {
    const other = await freshDatabase('ledger_race');
    try {
      const config = { url: other.url, poolMax: 3, statementTimeoutMs: 5_000 };
      const [a, b] = await Promise.all([openPostgresLedger(config), openPostgresLedger(config)]);
      try {
        const check = new pg.Client({ connectionString: other.url });
        await check.connect();
        const { rows } = await check.query<{ name: string }>('select name from etalase_meta.migrations order by name');
        await check.end();
        expect(rows.map((r) => r.name)).toEqual((await migrationFiles()).map((f) => f.name));
        const user = randomUUID();
        expect(await b.ensureProfile(user)).toBe(10);
        expect(await a.problems()).toEqual([]);
      } finally {
        await a.close();
        await b.close();
      }
    } finally {
      await other.drop();
    }
  });

  it('a connection killed by the server is reported, not thrown, and the pool recovers', async () => {
    const other = await freshDatabase('ledger_kill');
    try {
      const onError = vi.fn();
      const own = await openPostgresLedger({ url: other.url, poolMax: 2, statementTimeoutMs: 5_000 }, { onError });
      try {
        await own.ensureProfile(randomUUID());
        const killer = new pg.Client({ connectionString: other.url });
        await killer.connect();
        await killer.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'etalase'",
        );
        await killer.end();
        await vi.waitFor(() => expect(onError).toHaveBeenCalled(), { timeout: 5_000 });
        expect(await own.ensureProfile(randomUUID())).toBe(10);
      } finally {
        await own.close();
      }
    } finally {
      await other.drop();
    }
  });
});
