// A worker killed (SIGKILL) while fal makes a clip it was already paid to make: a separate worker on
// the same PostgreSQL collects the clip by its stored request id. fal is paid once, the seller
// charged once. The processes are the real `npm start` / `npm run worker`; fal is the wire-level fake.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadDevSecret, signDevToken, userIdFor } from '../src/adapters/auth/dev.js';
import { openPostgresLedger } from '../src/adapters/ledger/postgres.js';
import type { SqlLedger } from '../src/adapters/ledger/sql-ledger.js';
import { startFalFake, type FalFake } from './fakes/fal.js';
import { describeWithPostgres, freshDatabase, type TestDatabase } from './helpers/postgres.js';
import { startServer, startWorker, type RunningServer } from './helpers/server.js';

const FAL_KEY = 'test-fal-key:secret';
const GROK = 'xai/grok-imagine-video/image-to-video';

describeWithPostgres('a clip survives its worker', () => {
  let db: TestDatabase;
  let ledger: SqlLedger;
  let admin: pg.Pool;
  let fal: FalFake;
  let dataDir: string;
  const servers: RunningServer[] = [];

  beforeAll(async () => {
    db = await freshDatabase('video_crash');
    ledger = await openPostgresLedger({ url: db.url, poolMax: 2, statementTimeoutMs: 10_000 });
    admin = new pg.Pool({ connectionString: db.url, max: 1 });
    fal = await startFalFake({ key: FAL_KEY });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'etalase-video-crash-'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => (s.child.exitCode === null && s.child.signalCode === null ? s.stop('SIGKILL') : null)));
    await ledger?.close();
    await admin?.end();
    await fal?.close();
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function start(entry: typeof startServer): Promise<RunningServer> {
    const server = await entry({ DATA_DIR: dataDir, DATABASE_URL: db.url, GENERATOR: 'local', VIDEO: 'fal', FAL_KEY, FAL_BASE_URL: fal.url, LOG_LEVEL: 'info' });
    servers.push(server);
    return server;
  }

  const falStage = (name: string) => fal.requests.filter((r) => r.stage === name);

  test('killed after the fal submit: another worker collects the clip by request id, fal paid once, charged once', async ({ onTestFailed }) => {
    onTestFailed(() => servers.forEach((s) => console.error(`--- ${s.url} ---\n${s.output()}`)));
    const user = 'clip-crash';
    const userId = userIdFor(user);
    const first = await start(startServer);
    const token = await signDevToken(await loadDevSecret(dataDir), user);
    const gql = async (query: string, variables: Record<string, unknown> = {}) =>
      (await (await fetch(`${first.url}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      })).json()) as any;

    const batch = await gql('mutation { generateImages(input: { count: 1 }) { ... on GenerateImagesSuccess { generation { images { id } } } } }');
    const imageId = batch.data.generateImages.generation.images[0].id;
    fal.script({ latencyMs: 4000 });
    const started = await gql(`mutation($input: StartVideoInput!) { startVideo(input: $input) { ... on StartVideoSuccess { video { id } } } }`, {
      input: { imageId, version: 'B' },
    });
    const videoId: string = started.data.startVideo.video.id;

    // The adapter waits on the status only after the request id was stored: kill right then.
    const deadline = Date.now() + 30_000;
    while (falStage('stream').length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    first.child.kill('SIGKILL');
    await first.stop();
    expect(first.child.signalCode).toBe('SIGKILL');

    expect(fal.jobs).toHaveLength(1);
    const issued = fal.jobs[0]!.id;
    expect(falStage('result')).toHaveLength(0);
    const { rows: [orphan] } = await admin.query('select status, provider_request_id from public.videos where id = $1', [videoId]);
    expect(orphan).toEqual({ status: 'RUNNING', provider_request_id: issued });
    expect(await ledger.balance(userId)).toBe(3);

    const second = await start(startWorker);
    let status = '';
    const settleBy = Date.now() + 90_000;
    while (Date.now() < settleBy) {
      const { rows } = await admin.query<{ status: string }>('select status from public.videos where id = $1', [videoId]);
      status = rows[0]!.status;
      if (status !== 'RUNNING' && status !== 'QUEUED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('SUCCEEDED');
    // collected the paid job: one submit, its result fetched by the stored id
    expect(falStage('submit')).toHaveLength(1);
    expect(fal.jobs).toHaveLength(1);
    expect(falStage('result').every((r) => r.path === `/xai/grok-imagine-video/requests/${issued}`)).toBe(true);
    expect(falStage('result').length).toBeGreaterThan(0);
    expect(fal.jobs[0]!.app).toBe(GROK);
    expect((await stat(path.join(dataDir, 'media', 'outputs', videoId, 'clip.mp4'))).size).toBeGreaterThan(1000);
    expect(/recovered a clip from its provider job/.test(second.output())).toBe(true);

    const { rows } = await admin.query<{ kind: string }>('select kind from public.coin_ledger where video_id = $1', [videoId]);
    expect(rows.map((r) => r.kind)).toEqual(['debit']);
    expect(await ledger.balance(userId)).toBe(3);
    expect(await ledger.problems()).toEqual([]);
    expect(await second.stop('SIGTERM')).toBe(0);
  });
});
