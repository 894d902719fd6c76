// The embedded default runs the same queue (pg-boss on PGlite): startGeneration answers QUEUED before
// any worker has the job, the subscription sees every stage in order with Etalase queue positions that
// only go down, a queued job can be canceled (removed and refunded at once), and a job still queued
// when the process stops runs after the restart.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { subscribe } from './helpers/sse.js';

const START = `mutation($input: GenerateImagesInput!) { startGeneration(input: $input) {
  __typename ... on Error { message } ... on StartGenerationSuccess { remainingCoins generation { id status } } } }`;
const EVENTS = `subscription($id: ID) { generationEvents(id: $id) { generationId stage done total queuePosition queue status } }`;
const GENERATION = `query($id: ID!) { me { coinsBalance } generation(id: $id) { id status images { url } } }`;
const CANCEL = `mutation($id: ID!) { cancelGeneration(input: { id: $id }) { __typename ... on CancelGenerationSuccess { remainingCoins generation { status } } ... on Error { message } } }`;

describe('the queue on the embedded PGlite', () => {
  let dataDir: string;
  let t: TestApp;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'etalase-queue-'));
    // API only at first: jobs wait in the queue until a worker is started below.
    t = await startTestApp({ DATA_DIR: dataDir, WORKER_CONCURRENCY: '0' });
  });
  afterAll(async () => {
    await t?.app.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = async (token: string, input: Record<string, unknown> = { count: 1 }) => {
    const { body } = await t.gql(START, { input }, { token });
    expect(body.data.startGeneration.__typename).toBe('StartGenerationSuccess');
    return body.data.startGeneration as { remainingCoins: number; generation: { id: string; status: string } };
  };
  const fetchVia = async (url: string, init: RequestInit) => t.app.yoga.fetch(url, init);

  test('queued, canceled while queued: out of the queue and refunded at once', async () => {
    const token = await t.token(`cancel-queued-${randomUUID()}`);
    const started = await start(token);
    expect(started).toMatchObject({ remainingCoins: 9, generation: { status: 'QUEUED' } });
    const canceled = (await t.gql(CANCEL, { id: started.generation.id }, { token })).body.data.cancelGeneration;
    expect(canceled).toEqual({ __typename: 'CancelGenerationSuccess', remainingCoins: 10, generation: { status: 'CANCELED' } });
    expect(await t.app.services.ledger.problems()).toEqual([]);
  });

  test('startGeneration answers before any worker runs the job; stages arrive in order; positions only go down', async () => {
    const token = await t.token(`queued-${randomUUID()}`);
    const jobs = [await start(token), await start(token), await start(token, { count: 2 })];
    expect(jobs.map((j) => j.generation.status)).toEqual(['QUEUED', 'QUEUED', 'QUEUED']);
    const last = jobs[2]!.generation.id;
    // A late subscriber first hears where the job stands: two jobs ahead of it.
    const sub = subscribe(fetchVia, 'http://localhost/graphql', EVENTS, { id: last }, token);
    await sub.opened;

    await t.app.startWorkers(1);
    const events = (await sub.events).map((e: any) => e.data.generationEvents);
    const stages = events.map((e) => e.stage);
    expect(events[0]).toMatchObject({ stage: 'QUEUED', queue: 'ETALASE', queuePosition: 2 });
    expect(stages.slice(-8)).toEqual(['DESCRIBING', 'GENERATING', 'REVIEWING', 'REVIEWING', 'REVIEWING', 'IMAGE_STORED', 'IMAGE_STORED', 'FINISHED']);
    const positions = events.filter((e) => e.stage === 'QUEUED').map((e) => e.queuePosition);
    expect(positions.at(-1)).toBe(0);
    for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeLessThanOrEqual(positions[i - 1]);
    expect(events.at(-1)).toMatchObject({ status: 'SUCCEEDED' });

    const { body } = await t.gql(GENERATION, { id: last }, { token });
    expect(body.data.me.coinsBalance).toBe(7);
    expect(body.data.generation.status).toBe('SUCCEEDED');
    const image = await t.app.yoga.fetch(body.data.generation.images[0].url);
    expect(image.status).toBe(200);
  });

  test('a job still queued when the process stops runs after the restart', async () => {
    await t.app.close();
    t = await startTestApp({ DATA_DIR: dataDir, WORKER_CONCURRENCY: '0' });
    const token = await t.token(`restart-${randomUUID()}`);
    const { generation } = await start(token);
    await t.app.close();

    t = await startTestApp({ DATA_DIR: dataDir }); // with the in-process worker
    let status = '';
    for (let i = 0; i < 200 && status !== 'SUCCEEDED'; i++) {
      status = (await t.gql(GENERATION, { id: generation.id }, { token })).body.data.generation.status;
      if (status !== 'SUCCEEDED') await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('SUCCEEDED');
    expect(await t.app.services.ledger.problems()).toEqual([]);
  });
});
