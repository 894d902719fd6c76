// Catalogues on real PostgreSQL: one seller's running jobs are capped across workers
// (WORKER_JOBS_PER_SELLER, pg-boss group concurrency), so another seller's batch starts while a
// catalogue still has items waiting; and a catalogue started on an API that then stops is finished by
// the next process that takes jobs (the items are durable pg-boss jobs), charged once, books balanced.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadDevSecret, signDevToken } from '../src/adapters/auth/dev.js';
import { createLocalGenerator } from '../src/adapters/generate/local.js';
import { createApp, type App } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import type { GenerateRequest, Generator } from '../src/studio/ports.js';
import { describeWithPostgres, freshDatabase, type TestDatabase } from './helpers/postgres.js';

const START_CATALOG = `mutation($input: StartCatalogInput!) { startCatalog(input: $input) { __typename ... on Error { message } ... on StartCatalogSuccess { catalog { id cost } remainingCoins } } }`;
const START_ONE = `mutation($input: GenerateImagesInput!) { startGeneration(input: $input) { __typename ... on StartGenerationSuccess { generation { id } } } }`;
const CATALOG = `query($id: ID!) { catalog(id: $id) { status finishedAt progress { done failed total } } }`;

/** The local generator, slowed down, telling who is being generated for and when. */
function watchedGenerator(ownerOf: (generationId: string) => Promise<string>, log: Array<{ user: string; event: 'start' | 'end' }>): Generator {
  const local = createLocalGenerator();
  return {
    ...local,
    async generate(request: GenerateRequest) {
      const user = await ownerOf(request.generationId);
      log.push({ user, event: 'start' });
      try {
        await new Promise((r) => setTimeout(r, 150));
        return await local.generate(request);
      } finally {
        log.push({ user, event: 'end' });
      }
    },
  };
}

/** The most jobs of `user` generating at once, from the log. */
function peakOf(log: Array<{ user: string; event: 'start' | 'end' }>, user: string): number {
  let now = 0;
  let peak = 0;
  for (const e of log.filter((x) => x.user === user)) peak = Math.max(peak, (now += e.event === 'start' ? 1 : -1));
  return peak;
}

describeWithPostgres('catalogues on PostgreSQL', () => {
  let db: TestDatabase;
  let dataDir: string;
  const apps: App[] = [];
  const env = () => ({ DATA_DIR: dataDir, DATABASE_URL: db.url, LOG_LEVEL: 'silent', RATE_LIMITS: 'off', SIGNUP_COINS: '100' });

  async function open(extra: Record<string, string>, generator?: Generator) {
    const app = await createApp(parseConfig({ ...env(), ...extra }), generator ? { generator } : {});
    apps.push(app);
    return app;
  }
  async function gql(app: App, token: string, query: string, variables: Record<string, unknown>) {
    const response = await app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()).data;
  }
  async function finished(app: App, token: string, id: string) {
    for (let i = 0; i < 1200; i++) {
      const c = (await gql(app, token, CATALOG, { id })).catalog;
      if (c.finishedAt) return c;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the catalogue did not finish');
  }

  beforeAll(async () => {
    db = await freshDatabase('catalogs');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'etalase-catalogs-'));
    await loadDevSecret(dataDir);
  }, 60_000);
  afterAll(async () => {
    for (const app of apps.splice(0)) await app.close(0).catch(() => {});
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test("one seller's running jobs are capped; another seller's batch starts while the catalogue still waits", async () => {
    const log: Array<{ user: string; event: 'start' | 'end' }> = [];
    let app!: App;
    const ownerOf = async (id: string) => (await app.services.ledger.generation(id))!.userId;
    app = await open({ WORKER_CONCURRENCY: '4', WORKER_JOBS_PER_SELLER: '2' }, watchedGenerator(ownerOf, log));
    const secret = await loadDevSecret(dataDir);
    const [big, small] = await Promise.all([signDevToken(secret, 'catalog-seller'), signDevToken(secret, 'single-seller')]);

    const items = Array.from({ length: 16 }, (_, i) => ({ sku: `BIG-${i}`, productImages: [] }));
    const started = (await gql(app, big, START_CATALOG, { input: { items, defaults: { count: 1 } } })).startCatalog;
    expect(started.__typename).toBe('StartCatalogSuccess');
    const bigUser = (await gql(app, big, '{ me { id } }', {})).me.id;
    // The other seller comes once the catalogue is running.
    while (!log.some((e) => e.user === bigUser)) await new Promise((r) => setTimeout(r, 20));
    const single = (await gql(app, small, START_ONE, { input: { count: 1 } })).startGeneration;
    expect(single.__typename).toBe('StartGenerationSuccess');
    const smallUser = (await gql(app, small, '{ me { id } }', {})).me.id;

    const done = await finished(app, big, started.catalog.id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', progress: { done: 16, failed: 0, total: 16 } });
    expect(peakOf(log, bigUser)).toBeLessThanOrEqual(2);
    // The single batch did not wait for the catalogue: it started before the catalogue's last item did.
    const startsOfBig = log.map((e, i) => (e.user === bigUser && e.event === 'start' ? i : -1)).filter((i) => i >= 0);
    const singleStart = log.findIndex((e) => e.user === smallUser && e.event === 'start');
    expect(singleStart).toBeGreaterThanOrEqual(0);
    expect(singleStart).toBeLessThan(startsOfBig.at(-1)!);
    expect(await app.services.ledger.problems()).toEqual([]);
    await app.close(0);
    apps.splice(apps.indexOf(app), 1);
  }, 120_000);

  test('a catalogue started on an API that stops is finished by the next process that takes jobs', async () => {
    const api = await open({ WORKER_CONCURRENCY: '0' });
    const token = await signDevToken(await loadDevSecret(dataDir), 'restart-seller');
    const items = Array.from({ length: 6 }, (_, i) => ({ sku: `R-${i}`, productImages: [] }));
    const started = (await gql(api, token, START_CATALOG, { input: { items, defaults: { count: 1 }, idempotencyKey: 'restart-1' } })).startCatalog;
    expect(started).toMatchObject({ __typename: 'StartCatalogSuccess', catalog: { cost: 6 }, remainingCoins: 94 });
    await api.close(0);
    apps.splice(apps.indexOf(api), 1);

    const worker = await open({ WORKER_CONCURRENCY: '2' });
    const done = await finished(worker, token, started.catalog.id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', progress: { done: 6, failed: 0, total: 6 } });
    // The retried request finds the same catalogue, charged once.
    const again = (await gql(worker, token, START_CATALOG, { input: { items, defaults: { count: 1 }, idempotencyKey: 'restart-1' } })).startCatalog;
    expect(again).toMatchObject({ catalog: { id: started.catalog.id }, remainingCoins: 94 });
    expect(await worker.services.ledger.problems()).toEqual([]);
  }, 120_000);
});
