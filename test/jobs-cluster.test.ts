// Two API processes (WORKER_CONCURRENCY=0) and two `npm run worker` processes on one PostgreSQL and
// one Redis: 40 batches from 5 sellers, started on either API, all run exactly once (one job attempt
// each, one debit each, no refund); a subscription on one API hears a batch started on the other,
// in order, with Etalase queue positions that never go up.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createConnection } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadDevSecret, signDevToken, userIdFor } from '../src/adapters/auth/dev.js';
import { describeWithPostgres, freshDatabase, type TestDatabase } from './helpers/postgres.js';
import { startServer, startWorker, type RunningServer } from './helpers/server.js';
import { subscribe } from './helpers/sse.js';

const START = `mutation($input: GenerateImagesInput!) { startGeneration(input: $input) {
  __typename ... on Error { message } ... on StartGenerationSuccess { generation { id status } } } }`;
const EVENTS = `subscription($key: String) { generationEvents(idempotencyKey: $key) { generationId stage queue queuePosition status } }`;
const USERS = 5;
const PER_USER = 8;

const redisUp = await new Promise<boolean>((resolve) => {
  const socket = createConnection({ host: '127.0.0.1', port: 6379 }, () => (socket.end(), resolve(true)));
  socket.on('error', () => resolve(false));
});
if (!redisUp && process.env.CI === 'true') throw new Error('Redis on 127.0.0.1:6379 is required under CI');

describeWithPostgres('two APIs and two workers on one Postgres and Redis', () => {
  let db: TestDatabase;
  let admin: pg.Pool;
  let dataDir: string;
  let apis: RunningServer[] = [];
  let workers: RunningServer[] = [];

  beforeAll(async () => {
    if (!redisUp) return;
    db = await freshDatabase('jobs_cluster');
    admin = new pg.Pool({ connectionString: db.url, max: 2 });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'etalase-cluster-'));
    await loadDevSecret(dataDir); // one secret for every process, written before they race for it
    const env = { DATA_DIR: dataDir, DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:6379', LOG_LEVEL: 'info' };
    // The first API migrates the database; the others find it migrated.
    apis = [await startServer({ ...env, WORKER_CONCURRENCY: '0' })];
    [apis[1], workers[0], workers[1]] = await Promise.all([
      startServer({ ...env, WORKER_CONCURRENCY: '0' }),
      startWorker({ ...env, WORKER_CONCURRENCY: '2' }),
      startWorker({ ...env, WORKER_CONCURRENCY: '2' }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([...apis, ...workers].map((p) => p?.stop('SIGKILL')));
    await admin?.end();
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test.skipIf(!redisUp)('40 jobs from 5 users complete exactly once, each charged once', async () => {
    const secret = await loadDevSecret(dataDir);
    const users = Array.from({ length: USERS }, () => `cluster-${randomUUID()}`);
    const tokens = await Promise.all(users.map((u) => signDevToken(secret, u)));
    const fetchFrom = (server: RunningServer) => (url: string, init: RequestInit) => fetch(`${server.url}${url}`, init);

    // One batch per user is watched on API 0 and started on API 1, from before it exists.
    const watched = users.map((_, u) => `watched-${u}-${randomUUID()}`);
    const subs = watched.map((key, u) => subscribe(fetchFrom(apis[0]!), '/graphql', EVENTS, { key }, tokens[u]!));
    await Promise.all(subs.map((s) => s.opened));

    const started = await Promise.all(
      users.flatMap((_, u) =>
        Array.from({ length: PER_USER }, async (_, n) => {
          const key = n === 0 ? watched[u]! : `job-${u}-${n}`;
          const api = n === 0 ? apis[1]! : apis[(u + n) % 2]!;
          const response = await fetch(`${api.url}/graphql`, {
            method: 'POST',
            headers: { authorization: `Bearer ${tokens[u]}`, 'content-type': 'application/json' },
            body: JSON.stringify({ query: START, variables: { input: { count: 1, idempotencyKey: key } } }),
          });
          const { data } = await response.json();
          expect(data.startGeneration.__typename).toBe('StartGenerationSuccess');
          return data.startGeneration.generation.id as string;
        }),
      ),
    );
    expect(new Set(started).size).toBe(USERS * PER_USER);

    const deadline = Date.now() + 120_000;
    for (;;) {
      const { rows } = await admin.query('select count(*)::int as n from public.generations where id = any($1) and finished_at is not null', [started]);
      if (rows[0].n === started.length) break;
      if (Date.now() > deadline) throw new Error(`only ${rows[0].n} of ${started.length} finished`);
      await new Promise((r) => setTimeout(r, 250));
    }

    const { rows: generations } = await admin.query('select id, status, images from public.generations where id = any($1)', [started]);
    expect(generations.every((g) => g.status === 'SUCCEEDED')).toBe(true);
    await stat(path.join(dataDir, 'media', generations[0].images[0].key));
    // exactly once: every job completed on its first attempt (pg-boss marks a job completed just after
    // its handler returns, which is after the row is settled: wait for that too)
    const jobsOf = async () =>
      (await admin.query("select state, retry_count from pgboss.job where name = 'generation' and id = any($1)", [started])).rows as Array<{ state: string; retry_count: number }>;
    let jobs = await jobsOf();
    for (const until = Date.now() + 30_000; jobs.some((j) => j.state === 'active') && Date.now() < until; jobs = await jobsOf()) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(jobs).toHaveLength(started.length);
    expect(jobs.every((j) => j.state === 'completed' && j.retry_count === 0)).toBe(true);
    // charged once each, never refunded
    for (const user of users) {
      const { rows } = await admin.query(
        'select kind, count(*)::int as n from public.coin_ledger where user_id = $1 group by kind order by kind',
        [userIdFor(user)],
      );
      expect(Object.fromEntries(rows.map((r) => [r.kind, r.n]))).toEqual({ debit: PER_USER, signup: 1 });
    }
    expect((await admin.query('select * from public.ledger_problems()')).rows).toEqual([]);
    // both workers took jobs
    for (const worker of workers) expect(worker.output()).toMatch(/"message":"described"/);

    for (const sub of subs) {
      const events = (await sub.events).map((e: any) => e.data.generationEvents);
      expect(events.at(-1)).toMatchObject({ stage: 'FINISHED', status: 'SUCCEEDED' });
      const stages = events.map((e) => e.stage);
      expect(stages.indexOf('DESCRIBING')).toBeLessThan(stages.indexOf('GENERATING'));
      expect(stages.indexOf('GENERATING')).toBeLessThan(stages.indexOf('IMAGE_STORED'));
      const positions = events.filter((e) => e.stage === 'QUEUED' && e.queue === 'ETALASE').map((e) => e.queuePosition);
      for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeLessThanOrEqual(positions[i - 1]);
    }
  }, 180_000);
});
