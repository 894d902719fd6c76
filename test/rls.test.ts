// What a client holding the anon key or a user's token could do with the database if it went around
// this API (Supabase exposes every table in `public` through its Data API): read its own rows, and
// nothing else. The database is given Supabase's default privileges first (every new table and
// function granted to anon and authenticated), so the migrations' own revokes are what is tested.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPostgresLedger } from '../src/adapters/ledger/postgres.js';
import { reserveVideoIn } from '../src/adapters/ledger/sql-videos.js';
import { reserveExportIn } from '../src/adapters/ledger/sql-exports.js';
import type { SqlLedger } from '../src/adapters/ledger/sql-ledger.js';
import type { ReserveRequest } from './helpers/books.js';
import { describeWithPostgres, freshDatabase, type TestDatabase } from './helpers/postgres.js';
import { expectBooksBalancedAfterEach, reserveRequest } from './helpers/books.js';

type Role = 'anon' | 'authenticated' | 'service_role';

const TABLES: Record<string, string> = {
  'public.app_settings': 'signup_coins',
  'public.profiles': 'coins_balance',
  'public.generations': 'status',
  'public.coin_ledger': 'reason',
  'public.description_cache': 'description',
  'public.topups': 'status',
  'public.api_keys': 'name',
  'public.videos': 'status',
  'public.exports': 'status',
};


describeWithPostgres('row-level security and grants', () => {
  let db: TestDatabase;
  let ledger: SqlLedger;
  let pool: pg.Pool;
  const alice = randomUUID();
  const bob = randomUUID();

  beforeAll(async () => {
    db = await freshDatabase('rls');
    pool = new pg.Pool({ connectionString: db.url, max: 3 });
    // What a Supabase project grants by default on objects created in public.
    await pool.query(`
      alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
      alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
      alter default privileges in schema public grant all on functions to anon, authenticated, service_role;`);
    ledger = await openPostgresLedger({ url: db.url, poolMax: 3, statementTimeoutMs: 10_000 });
    for (const user of [alice, bob]) {
      await ledger.ensureProfile(user);
      const batch = reserveRequest(user);
      await ledger.reserve(batch);
      await ledger.complete(batch.id, { images: [{ key: `outputs/${batch.id}/1.jpg`, width: 8, height: 8, contentType: 'image/jpeg', videoPrompts: [] }], warnings: [] });
      // and a clip of that image, paid with nothing (no ledger row): the rows are what is tested here
      await ledger.db.transaction((tx) =>
        reserveVideoIn(tx, {
          kind: 'video', id: randomUUID(), userId: user, cost: 0, idempotencyKey: null, requestHash: 'h', deadlineAt: new Date(Date.now() + 60_000),
          generationId: batch.id, imageIndex: 1, version: 'A', model: 'local', prompt: 'p', durationSeconds: 6,
          input: { imageKey: `outputs/${batch.id}/1.jpg`, imageWidth: 8, imageHeight: 8, webhookUrl: null }, warnings: [],
        } as Parameters<typeof reserveVideoIn>[1]),
      );
      // and a free export of it to a marketplace preset
      await ledger.db.transaction((tx) =>
        reserveExportIn(tx, {
          kind: 'export', id: randomUUID(), userId: user, cost: 0, idempotencyKey: null, requestHash: 'h', deadlineAt: new Date(Date.now() + 60_000),
          input: {}, generationId: batch.id, imageIndex: 1, preset: 'TOKOPEDIA',
        } as Parameters<typeof reserveExportIn>[1]),
      );
    }
    await ledger.put('cache-key', 'a description');
  });
  expectBooksBalancedAfterEach(() => ledger);
  afterAll(async () => {
    await ledger?.close();
    await pool?.end();
    await db?.drop();
  });

  /** Runs one statement as PostgREST would for a request with these claims, then rolls back. */
  async function as<T extends pg.QueryResultRow = Record<string, unknown>>(role: Role, sub: string | null, sql: string, params: unknown[] = []) {
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query(`set local role ${role}`);
      const claims = { role, ...(sub ? { sub } : {}) };
      await client.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(claims)]);
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.query('rollback').catch(() => {});
      client.release();
    }
  }

  it('an authenticated user reads only their own profile, ledger and generations', async () => {
    for (const [me, other] of [[alice, bob], [bob, alice]] as const) {
      expect(await as('authenticated', me, 'select id from public.profiles')).toEqual([{ id: me }]);
      const ledgerRows = await as<{ user_id: string }>('authenticated', me, 'select user_id from public.coin_ledger');
      expect(ledgerRows.length).toBe(2); // signup + debit
      expect(ledgerRows.every((r) => r.user_id === me)).toBe(true);
      const generations = await as<{ user_id: string }>('authenticated', me, 'select user_id from public.generations');
      expect(generations).toEqual([{ user_id: me }]);
      const videos = await as<{ user_id: string }>('authenticated', me, 'select user_id, status, prompt from public.videos');
      expect(videos).toEqual([{ user_id: me, status: 'QUEUED', prompt: 'p' }]);
      expect(await as('authenticated', me, 'select * from public.profiles where id = $1', [other])).toEqual([]);
    }
  });

  it('an authenticated token without a subject, or for a stranger, reads nothing', async () => {
    for (const sub of [null, randomUUID()]) {
      for (const table of ['public.profiles', 'public.coin_ledger']) {
        expect(await as('authenticated', sub, `select * from ${table}`)).toEqual([]);
      }
      expect(await as('authenticated', sub, 'select id, status, images from public.generations')).toEqual([]);
      expect(await as('authenticated', sub, 'select id, status from public.videos')).toEqual([]);
    }
  });

  it("a seller cannot read a generation's or a video's internal columns (provider job id, request hash, stored input)", async () => {
    for (const column of ['provider_request_id', 'request_hash', 'input', 'deadline_at']) {
      await expect(as('authenticated', alice, `select ${column} from public.generations`)).rejects.toMatchObject({ code: '42501' });
      await expect(as('authenticated', alice, `select ${column} from public.videos`)).rejects.toMatchObject({ code: '42501' });
    }
  });

  it("a seller reads their own export jobs, not others' nor their provider request id", async () => {
    for (const me of [alice, bob]) {
      expect(await as('authenticated', me, 'select user_id, preset, status from public.exports')).toEqual([{ user_id: me, preset: 'TOKOPEDIA', status: 'QUEUED' }]);
    }
    expect(await as('authenticated', randomUUID(), 'select id from public.exports')).toEqual([]);
    await expect(as('authenticated', alice, 'select provider_request_id from public.exports')).rejects.toMatchObject({ code: '42501' });
  });

  it("a seller reads their own top-up orders, not others' nor the gateway's token", async () => {
    const order = randomUUID();
    await pool.query("select public.create_topup($1, $2, 'hemat', 25, 25000, 'IDR', 'sandbox', null)", [order, alice]);
    expect(await as('authenticated', alice, 'select id, status, coins from public.topups')).toEqual([{ id: order, status: 'PENDING', coins: 25 }]);
    expect(await as('authenticated', bob, 'select id from public.topups')).toEqual([]);
    await expect(as('authenticated', alice, 'select payment_token from public.topups')).rejects.toMatchObject({ code: '42501' });
    await pool.query("select public.apply_topup_status($1, 'EXPIRED', 'expire', 25000, 'IDR')", [order]);
  });

  it('anon reads no table; authenticated cannot read settings or the description cache', async () => {
    for (const table of Object.keys(TABLES)) {
      await expect(as('anon', null, `select * from ${table}`)).rejects.toMatchObject({ code: '42501' });
    }
    for (const table of ['public.app_settings', 'public.description_cache', 'public.api_keys']) {
      await expect(as('authenticated', alice, `select * from ${table}`)).rejects.toMatchObject({ code: '42501' });
    }
  });

  it('neither anon nor authenticated can insert, update, delete or truncate any table', async () => {
    for (const role of ['anon', 'authenticated'] as const) {
      for (const [table, column] of Object.entries(TABLES)) {
        for (const sql of [
          `insert into ${table} default values`,
          `update ${table} set ${column} = ${column}`,
          `delete from ${table}`,
          `truncate ${table}`,
        ]) {
          await expect(as(role, alice, sql), `${role}: ${sql}`).rejects.toMatchObject({ code: '42501' });
        }
      }
    }
  });

  it('neither anon nor authenticated may execute any function in public; calling one is refused with 42501', async () => {
    const { rows: functions } = await pool.query<{ oid: number; call: string; trigger: boolean }>(`
      select p.oid, format('public.%I(%s)', p.proname,
               coalesce((select string_agg(format('null::%s', format_type(t, null)), ', ')
                           from unnest(p.proargtypes::oid[]) t), '')) as call,
             p.prorettype = 'trigger'::regtype as trigger
        from pg_proc p where p.pronamespace = 'public'::regnamespace and p.prokind = 'f'`);
    expect(functions.length).toBeGreaterThan(10);
    for (const role of ['anon', 'authenticated'] as const) {
      const { rows } = await pool.query<{ call: string }>(
        `select format('%s(%s)', p.proname, pg_get_function_identity_arguments(p.oid)) as call
           from pg_proc p where p.pronamespace = 'public'::regnamespace and has_function_privilege($1, p.oid, 'execute')`,
        [role],
      );
      expect(rows.map((r) => r.call), role).toEqual([]);
      for (const fn of functions.filter((f) => !f.trigger)) {
        await expect(as(role, alice, `select ${fn.call}`), `${role}: ${fn.call}`).rejects.toMatchObject({ code: '42501' });
      }
    }
  });

  it('service_role executes the ledger functions and sees every row', async () => {
    const carol = randomUUID();
    const rows = await as<{ balance: number; granted: number; problems: number }>(
      'service_role',
      null,
      `select public.ensure_profile($1) as balance, public.grant_coins($1, 5, 'support') as granted,
              (select count(*)::int from public.ledger_problems()) as problems`,
      [carol],
    );
    expect(rows).toEqual([{ balance: 10, granted: 15, problems: 0 }]);
    const seen = await as('service_role', null, 'select id from public.profiles where id = any($1) order by id', [[alice, bob]]);
    expect(seen).toEqual([alice, bob].sort().map((id) => ({ id })));
    const reserved = await as<{ v: { outcome: string } }>(
      'service_role',
      null,
      `select public.reserve_generation($1, $2, 1, 'TEXT_TO_IMAGE', 1, null, 'h', now() + interval '1 minute', '{}') as v`,
      [randomUUID(), alice],
    );
    expect(reserved[0]!.v.outcome).toBe('reserved');
  });

  it('inserting a user into auth.users creates the profile with the signup credit (on_auth_user_created)', async () => {
    const dave = randomUUID();
    await ledger.setSignupCoins(7);
    try {
      await pool.query("insert into auth.users (id, email) values ($1, 'dave@example.com')", [dave]);
      expect(await ledger.balance(dave)).toBe(7);
      const { rows } = await pool.query('select kind, delta, balance_after from public.coin_ledger where user_id = $1', [dave]);
      expect(rows).toEqual([{ kind: 'signup', delta: 7, balance_after: 7 }]);
    } finally {
      await ledger.setSignupCoins(10);
    }
  });
});
