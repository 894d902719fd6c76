// A worker killed mid-job (SIGKILL: no shutdown hook runs, its heartbeat stops) while another worker
// shares the same PostgreSQL: the queue retries the job there, which collects a job fal was already
// paid for by its stored request id, or runs one that never reached fal again. Either way one charge
// and one fal submit. The processes are the real `npm start` / `npm run worker` entries as children;
// fal (and Gemini) are the wire-level fakes in this process.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, expect, test } from 'vitest';
import { loadDevSecret, signDevToken, userIdFor } from '../src/adapters/auth/dev.js';
import { openPostgresLedger } from '../src/adapters/ledger/postgres.js';
import type { SqlLedger } from '../src/adapters/ledger/sql-ledger.js';
import type { GenerationRecord } from '../src/studio/ports.js';
import { startFalFake, type FalFake } from './fakes/fal.js';
import { startGeminiFake, type GeminiFake } from './fakes/gemini.js';
import { multipartBody, type UploadFile } from './helpers/app.js';
import { jpeg, twelveMegapixelJpeg } from './helpers/images.js';
import { describeWithPostgres, freshDatabase } from './helpers/postgres.js';
import { startServer, startWorker, type RunningServer } from './helpers/server.js';

const FAL_KEY = 'test-fal-key:secret';
const GENERATE = `mutation($input: GenerateImagesInput!) { generateImages(input: $input) { __typename } }`;
const START = `mutation($input: GenerateImagesInput!) { startGeneration(input: $input) { __typename ... on StartGenerationSuccess { generation { id status } } } }`;
const FAR_FUTURE = () => new Date(Date.now() + 24 * 3600_000);

/** One case's world: its own database, fakes, DATA_DIR and processes, so the cases run at once and a
 *  worker of one never takes another's job. Gone after the file, whatever happened. */
async function rig(name: string, onTestFailed: (fn: () => void) => void) {
  const db = await freshDatabase(`crash_${name}`);
  const servers: RunningServer[] = [];
  const made: { ledger?: SqlLedger; admin?: pg.Pool; fakes?: [FalFake, GeminiFake]; dataDir?: string } = {};
  cleanups.push(async () => {
    // No child outlives the file, then the database goes.
    await Promise.all(servers.map((s) => (s.child.exitCode === null && s.child.signalCode === null ? s.stop('SIGKILL') : null)));
    await made.ledger?.close();
    await made.admin?.end();
    await Promise.all(made.fakes?.map((f) => f.close()) ?? []);
    await db.drop();
    if (made.dataDir) await rm(made.dataDir, { recursive: true, force: true });
  });
  // The servers' logs (JSON lines) say what recovery did: show them when the case fails.
  onTestFailed(() => {
    for (const s of servers) console.error(`--- server ${s.url} ---\n${s.output()}`);
  });
  // Migrates the database before any server starts; the servers find it migrated.
  const ledger = (made.ledger = await openPostgresLedger({ url: db.url, poolMax: 2, statementTimeoutMs: 10_000 }));
  const admin = (made.admin = new pg.Pool({ connectionString: db.url, max: 1 }));
  const [fal, gemini] = (made.fakes = await Promise.all([startFalFake({ key: FAL_KEY }), startGeminiFake()]));
  const dataDir = (made.dataDir = await mkdtemp(path.join(os.tmpdir(), 'etalase-crash-')));
  const secret = await loadDevSecret(dataDir);

  async function start(env: Record<string, string>, entry: typeof startServer = startServer): Promise<RunningServer> {
    const server = await entry({
      DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      GENERATOR: 'fal',
      FAL_KEY,
      FAL_BASE_URL: fal.url,
      DESCRIBER: 'local',
      LOG_LEVEL: 'info',
      ...env,
    });
    servers.push(server);
    return server;
  }

  /** Sends a REFERENCE generation with one photo and does not wait for it: the server dies under it. */
  async function fireGeneration(server: RunningServer, user: string) {
    const body = multipartBody(GENERATE, { input: { productImages: [null], mode: 'REFERENCE', count: 2 } }, [
      { path: 'input.productImages.0', bytes: await jpeg({ color: '#884422', width: 800, height: 600 }) },
    ]);
    const token = await signDevToken(secret, user);
    const request = fetch(`${server.url}/graphql`, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${token}`, 'x-graphql-yoga-csrf': '1' },
    });
    // The connection dies with the server: that rejection is expected.
    request.catch(() => {});
  }

  async function unfinishedGenerationOf(userId: string): Promise<GenerationRecord> {
    const mine = (await ledger.overdue(FAR_FUTURE())).filter((g) => g.userId === userId);
    expect(mine).toHaveLength(1);
    return mine[0]!;
  }

  async function settled(id: string, timeoutMs = 30_000): Promise<GenerationRecord> {
    let g: GenerationRecord | null = null;
    await until(async () => {
      g = await ledger.generation(id);
      return g?.finishedAt != null;
    }, `generation ${id} to settle`, timeoutMs);
    return g!;
  }

  const ledgerKinds = async (userId: string) => {
    const { rows } = await admin.query<{ kind: string; n: number }>(
      'select kind, count(*)::int as n from public.coin_ledger where user_id = $1 group by kind order by kind',
      [userId],
    );
    return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
  };

  const falStage = (stage: string) => fal.requests.filter((r) => r.stage === stage);

  return { ledger, fal, gemini, dataDir, secret, start, fireGeneration, unfinishedGenerationOf, settled, ledgerKinds, falStage };
}

async function kill(server: RunningServer) {
  server.child.kill('SIGKILL');
  await server.stop();
  expect(server.child.signalCode).toBe('SIGKILL');
}

const cleanups: Array<() => Promise<void>> = [];

// The cases wait mostly on a dead worker's heartbeat running out: run at once, each in its own rig.
describeWithPostgres('crash and resume on PostgreSQL', () => {
  afterAll(async () => {
    await Promise.all(cleanups.map((c) => c()));
  });

  test.concurrent('killed after the fal submit: another worker collects the job by request id, charged once', async ({ onTestFailed }) => {
    const user = 'crash-after-submit';
    const { ledger, fal, dataDir, start, fireGeneration, unfinishedGenerationOf, settled, ledgerKinds, falStage } = await rig(user, onTestFailed);
    const userId = userIdFor(user);
    fal.script({ latencyMs: 4000 });
    const first = await start({});
    await fireGeneration(first, user);

    // The adapter waits on the status only after the request id was stored (onSubmitted resolved): kill right then.
    await until(() => falStage('stream').length > 0, 'the status stream after the fal submit');
    await kill(first);

    const issued = fal.jobs[0]!.id;
    expect(fal.jobs).toHaveLength(1);
    expect(falStage('result')).toHaveLength(0);
    expect(await ledger.balance(userId)).toBe(8);
    expect(await ledgerKinds(userId)).toEqual({ debit: 1, signup: 1 });
    const orphan = await unfinishedGenerationOf(userId);
    expect(orphan).toMatchObject({ status: 'RUNNING', mode: 'REFERENCE', cost: 2, providerRequestId: issued, finishedAt: null });

    const second = await start({}, startWorker);
    const done = await settled(orphan.id, 60_000);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.images).toHaveLength(2);
    for (const image of done.images) {
      expect(image.key).toMatch(new RegExp(`^outputs/${orphan.id}/\\d\\.jpg$`));
      expect((await stat(path.join(dataDir, 'media', image.key!))).size).toBeGreaterThan(0);
      expect(image.videoPrompts.map((v) => v.version)).toEqual(['A', 'B']);
    }
    // collected the paid job instead of paying again
    expect(falStage('submit')).toHaveLength(1);
    expect(fal.jobs).toHaveLength(1);
    expect(falStage('result').every((r) => r.path === `/fal-ai/bytedance/requests/${issued}`)).toBe(true);
    await until(() => /recovered a generation from its provider job/.test(second.output()), 'the recovery log line');

    expect(await ledger.balance(userId)).toBe(8);
    expect(await ledger.ledgerSum(userId)).toBe(8);
    expect(await ledgerKinds(userId)).toEqual({ debit: 1, signup: 1 });
    expect(await ledger.problems()).toEqual([]);
    expect(await second.stop('SIGTERM')).toBe(0);
  });

  test.concurrent('killed while describing (before any fal submit): another worker runs it once, charged once', async ({ onTestFailed }) => {
    const user = 'crash-before-submit';
    const { ledger, gemini, start, fireGeneration, unfinishedGenerationOf, settled, ledgerKinds, falStage } = await rig(user, onTestFailed);
    const userId = userIdFor(user);
    gemini.script({ latencyMs: 5000 });
    const geminiEnv = { DESCRIBER: 'gemini', GEMINI_API_KEY: 'test-gemini-key', GEMINI_BASE_URL: gemini.url, REVIEWER: 'local' };
    const first = await start(geminiEnv);
    await fireGeneration(first, user);

    await until(() => gemini.inFlight > 0, 'the describe request at Gemini');
    await kill(first);
    gemini.script({ latencyMs: 0 });

    expect(falStage('submit')).toHaveLength(0);
    expect(await ledger.balance(userId)).toBe(8);
    expect(await ledgerKinds(userId)).toEqual({ debit: 1, signup: 1 });
    const orphan = await unfinishedGenerationOf(userId);
    expect(orphan).toMatchObject({ status: 'RUNNING', cost: 2, providerRequestId: null });

    const second = await start(geminiEnv, startWorker);
    const done = await settled(orphan.id, 60_000);
    // Finished from the prepared uploads in storage, or (past its deadline) refunded: never both, never twice.
    expect(['SUCCEEDED', 'FAILED']).toContain(done.status);
    const kinds = await ledgerKinds(userId);
    if (done.status === 'SUCCEEDED') {
      expect(kinds).toEqual({ debit: 1, signup: 1 });
      expect(falStage('submit')).toHaveLength(1);
      expect(done.images).toHaveLength(2);
    } else {
      expect(kinds).toEqual({ debit: 1, refund: 1, signup: 1 });
      expect(falStage('submit')).toHaveLength(0);
    }
    expect(await ledger.problems()).toEqual([]);
    expect(await second.stop('SIGTERM')).toBe(0);
  });

  test.concurrent('the API killed right after startGeneration answers (REFERENCE, six 12 MP photos): a separate worker finishes it, SUCCEEDED, charged once', async ({ onTestFailed }) => {
    const user = 'api-killed-after-start';
    const { ledger, secret, start, settled, ledgerKinds, falStage } = await rig(user, onTestFailed);
    const userId = userIdFor(user);
    // The API runs no jobs: whatever the worker needs must be durable before the answer.
    const api = await start({ WORKER_CONCURRENCY: '0' });
    const photo = await twelveMegapixelJpeg();
    const files: UploadFile[] = [
      ...[0, 1, 2, 3].map((i) => ({ path: `input.productImages.${i}`, bytes: photo })),
      { path: 'input.faceImage', bytes: photo },
      { path: 'input.backgroundImage', bytes: photo },
    ];
    const input = { productImages: [null, null, null, null], faceImage: null, backgroundImage: null, mode: 'REFERENCE', count: 2, options: { modelType: 'Wanita', category: 'FASHION' } };
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      body: multipartBody(START, { input }, files),
      headers: { authorization: `Bearer ${await signDevToken(secret, user)}`, 'x-graphql-yoga-csrf': '1' },
    });
    const started = (await response.json()) as { data: { startGeneration: { __typename: string; generation: { id: string; status: string } } } };
    expect(started.data.startGeneration).toMatchObject({ __typename: 'StartGenerationSuccess', generation: { status: 'QUEUED' } });
    await kill(api);

    await start({}, startWorker);
    const g = await settled(started.data.startGeneration.generation.id, 90_000);
    expect(g.status).toBe('SUCCEEDED');
    expect(g.images).toHaveLength(2);
    // One paid submit, with the reference copies the worker made from the stored uploads.
    expect(falStage('submit')).toHaveLength(1);
    expect(falStage('upload').length).toBeGreaterThan(0);
    expect(await ledgerKinds(userId)).toEqual({ debit: 1, signup: 1 });
    expect(await ledger.balance(userId)).toBe(10 - g.cost);
  });

  test.concurrent('SIGTERM during a generation lets it finish and answer before the process exits', async ({ onTestFailed }) => {
    const user = 'graceful';
    const { ledger, fal, secret, start, falStage } = await rig(user, onTestFailed);
    fal.script({ latencyMs: 1500 });
    const server = await start({});
    const token = await signDevToken(secret, user);
    const answer = fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: GENERATE, variables: { input: { count: 1 } } }),
    }).then((r) => r.json());
    await until(() => falStage('submit').length > 0, 'the fal submit');
    const exited = server.stop('SIGTERM');
    expect((await answer).data.generateImages.__typename).toBe('GenerateImagesSuccess');
    expect(await exited).toBe(0);
    expect(await ledger.problems()).toEqual([]);
  });
});

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
