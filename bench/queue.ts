// `npm run bench -- --only queue`: the job queue and the ledger on real PostgreSQL.
//   * jobs per second through the whole async path (startGeneration → a worker → FINISHED) with the
//     local providers and no photos (the cheapest batch), 4 in-process workers;
//   * database transactions per generation, from pg_stat_database (pg-boss's own upkeep included);
//   * reserve + complete round trips per second straight on the ledger, 8 at a time.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openPostgresLedger } from '../src/adapters/ledger/postgres.js';
import { signDevToken, loadDevSecret } from '../src/adapters/auth/dev.js';
import { createApp } from '../src/app.js';
import { parseConfig } from '../src/config.js';

const ADMIN = process.env.ETALASE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const JOBS = Number(process.env.BENCH_JOBS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

export async function queueBench() {
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  const name = `etalase_queue_bench_${process.pid}`;
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  const url = new URL(ADMIN);
  url.pathname = `/${name}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'etalase-queue-bench-'));
  const commits = async () =>
    Number((await admin.query('select xact_commit + xact_rollback as n from pg_stat_database where datname = $1', [name])).rows[0].n);
  try {
    const config = parseConfig({
      DATA_DIR: dataDir, DATABASE_URL: url.toString(), RATE_LIMITS: 'off', LOG_LEVEL: 'silent', SIGNUP_COINS: '100000', WORKER_CONCURRENCY: '4',
    });
    const app = await createApp(config);
    const token = await signDevToken(await loadDevSecret(dataDir), 'queue-bench');
    const gql = (query: string, variables: Record<string, unknown> = {}) =>
      Promise.resolve(app.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      })).then((r) => r.json() as Promise<any>);
    await gql('{ me { coinsBalance } }');
    const start = 'mutation($input: GenerateImagesInput!) { startGeneration(input: $input) { ... on StartGenerationSuccess { generation { id } } ... on Error { message } } }';
    // Warm-up: one job end to end.
    const warm = (await gql(start, { input: { count: 1 } })).data.startGeneration.generation.id;
    while (!(await gql('query($id: ID!) { generation(id: $id) { finishedAt } }', { id: warm })).data.generation.finishedAt) {
      await new Promise((r) => setTimeout(r, 50));
    }

    const before = await commits();
    const t0 = performance.now();
    const ids: string[] = (await Promise.all(Array.from({ length: JOBS }, () => gql(start, { input: { count: 1 } })))).map((r) => r.data.startGeneration.generation.id);
    const enqueuedMs = performance.now() - t0;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    for (;;) {
      const left = Number((await pool.query('select count(*)::int as n from public.generations where id = any($1) and finished_at is null', [ids])).rows[0].n);
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const totalMs = performance.now() - t0;
    await pool.end();
    const perGeneration = (await commits() - before) / JOBS;
    await app.close();

    // The ledger alone: a reservation and its completion, 8 callers at once.
    const ledger = await openPostgresLedger(config.ledger as { url: string; poolMax: number; statementTimeoutMs: number }, { migrate: false });
    const users = Array.from({ length: 8 }, () => randomUUID());
    for (const u of users) await ledger.ensureProfile(u).catch(() => {});
    let pairs = 0;
    const until = performance.now() + SECONDS * 1000;
    await Promise.all(users.map(async (userId) => {
      while (performance.now() < until) {
        const generationId = randomUUID();
        await ledger.reserve({ kind: 'generation', id: generationId, userId, cost: 0, mode: 'TEXT_TO_IMAGE', count: 1, idempotencyKey: null, requestHash: 'bench', deadlineAt: new Date(Date.now() + 60_000), input: { options: {} as never, freeText: null, uploadedSlots: [] } });
        await ledger.complete(generationId, { images: [], warnings: [] });
        pairs++;
      }
    }));
    await ledger.close();
    const result = {
      jobs: JOBS,
      enqueuedPerSecond: JOBS / (enqueuedMs / 1000),
      jobsPerSecond: JOBS / (totalMs / 1000),
      transactionsPerGeneration: perGeneration,
      reserveCompletePerSecond: pairs / SECONDS,
    };
    console.log(`queue: ${JOBS} startGeneration answered in ${enqueuedMs.toFixed(0)} ms (${result.enqueuedPerSecond.toFixed(0)}/s); all FINISHED after ${totalMs.toFixed(0)} ms: ${result.jobsPerSecond.toFixed(1)} jobs/s`);
    console.log(`database: ${perGeneration.toFixed(1)} transactions per generation (pg-boss upkeep included)`);
    console.log(`ledger: ${result.reserveCompletePerSecond.toFixed(0)} reserve + complete pairs per second (8 at a time)`);
    return result;
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`).catch(() => {});
    await admin.end();
    await rm(dataDir, { recursive: true, force: true });
  }
}
