// Stage timings where the work happens. The job runner reports each stage it ran through the
// StageTimer port; createStageTimer turns that into etalase_stage_duration_seconds and an
// etalase.stage.<stage> span, in the process that ran the job. With the API and `npm run worker` in
// separate processes, the worker's own /metrics (METRICS_PORT) shows the stages.
import { randomUUID } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseConfig } from '../src/config.js';
import { createObservability } from '../src/observability/index.js';
import { createInstrumentation } from '../src/observability/instrument.js';
import { createMetrics } from '../src/observability/metrics.js';
import { createScrubber } from '../src/observability/redact.js';
import { runInScope } from '../src/observability/scope.js';
import { createStageTimer } from '../src/observability/stages.js';
import type { GenerateRequest, GenerationRecord, GenerationReservation, Generator, JobQueue, Ledger } from '../src/studio/ports.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { jpeg } from './helpers/images.js';
import { freePort } from './helpers/ports.js';
import { describeWithPostgres, freshDatabase, type TestDatabase } from './helpers/postgres.js';
import { startWorker, type RunningServer } from './helpers/server.js';

/** The value of one series in Prometheus text, e.g. sample(text, 'x_count', { stage: 'describe' }); summed when several match. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total = (total ?? 0) + Number(match[3]);
  }
  return total;
}

interface RecordedSpan {
  name: string;
  startTime: unknown;
  attributes: Record<string, unknown>;
  endTime?: unknown;
}

/** A tracer that keeps what it was asked to start and end (the real SDK is tested in observability-tracing). */
function recordingTracer(): { tracer: Tracer; spans: RecordedSpan[] } {
  const spans: RecordedSpan[] = [];
  const tracer = {
    startSpan(name: string, options: { startTime?: unknown; attributes?: Record<string, unknown> } = {}) {
      const span: RecordedSpan = { name, startTime: options.startTime, attributes: { ...options.attributes } };
      spans.push(span);
      return { end: (endTime?: unknown) => void (span.endTime = endTime) };
    },
  } as unknown as Tracer;
  return { tracer, spans };
}

describe('createStageTimer', () => {
  test('a recorded stage is observed with its real duration and labels, and traced with its real times', async () => {
    const metrics = createMetrics();
    const { tracer, spans } = recordingTracer();
    const stages = createStageTimer(metrics, { tracer });
    const jobId = randomUUID();
    const t0 = new Date('2026-01-02T03:04:05.000Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);

    stages.record('describe', { jobId, kind: 'generation', provider: 'gemini', model: 'gemini-3-flash' }, t0, at(1_500));
    stages.record('prompt', { jobId, kind: 'generation', provider: 'composer' }, at(1_500), at(1_520));
    stages.record('generate', { jobId, kind: 'generation', provider: 'fal', model: 'fal-ai/flux/dev' }, at(1_520), at(9_520));

    const text = await metrics.registry.metrics();
    const labels = { kind: 'generation' };
    expect(sample(text, 'etalase_stage_duration_seconds_count', { ...labels, stage: 'describe', provider: 'gemini', model: 'gemini-3-flash' })).toBe(1);
    expect(sample(text, 'etalase_stage_duration_seconds_sum', { ...labels, stage: 'describe', provider: 'gemini' })).toBeCloseTo(1.5);
    // The prompt was the composer's: no model called, and the label says so rather than being empty.
    expect(sample(text, 'etalase_stage_duration_seconds_count', { ...labels, stage: 'prompt', provider: 'composer', model: 'none' })).toBe(1);
    expect(sample(text, 'etalase_stage_duration_seconds_sum', { ...labels, stage: 'prompt' })).toBeCloseTo(0.02);
    expect(sample(text, 'etalase_stage_duration_seconds_count', { ...labels, stage: 'generate', provider: 'fal', model: 'fal-ai/flux/dev' })).toBe(1);
    expect(sample(text, 'etalase_stage_duration_seconds_bucket', { ...labels, stage: 'generate', le: '5' })).toBe(0);
    expect(sample(text, 'etalase_stage_duration_seconds_bucket', { ...labels, stage: 'generate', le: '10' })).toBe(1);
    expect(sample(text, 'etalase_stage_duration_seconds_count', { stage: 'store' })).toBeUndefined();

    expect(spans.map((s) => s.name)).toEqual(['etalase.stage.describe', 'etalase.stage.prompt', 'etalase.stage.generate']);
    expect(spans[0]).toEqual({
      name: 'etalase.stage.describe',
      startTime: t0,
      endTime: at(1_500),
      attributes: {
        'etalase.job.id': jobId,
        'etalase.job.kind': 'generation',
        'etalase.generation.id': jobId,
        'etalase.provider': 'gemini',
        'etalase.model': 'gemini-3-flash',
      },
    });
    expect(spans[1]!.attributes).not.toHaveProperty('etalase.model');
  });

  test('a job of another kind is labelled with its kind; its generation id comes from the job scope when there is one', async () => {
    const metrics = createMetrics();
    const { tracer, spans } = recordingTracer();
    const stages = createStageTimer(metrics, { tracer });
    const generationId = randomUUID();
    const now = new Date();
    runInScope({ jobId: 'video-1', generationId }, () => stages.record('generate', { jobId: 'video-1', kind: 'video', provider: 'local' }, now, now));
    stages.record('store', { jobId: 'export-9', kind: 'export', provider: 'local' }, now, now);

    const text = await metrics.registry.metrics();
    expect(sample(text, 'etalase_stage_duration_seconds_count', { stage: 'generate', kind: 'video', provider: 'local', model: 'none' })).toBe(1);
    expect(sample(text, 'etalase_stage_duration_seconds_count', { stage: 'store', kind: 'export' })).toBe(1);
    expect(spans[0]!.attributes).toMatchObject({ 'etalase.job.id': 'video-1', 'etalase.generation.id': generationId });
    expect(spans[1]!.attributes).not.toHaveProperty('etalase.generation.id');
  });

  test('the app and the worker build one: createObservability exposes it as `stages`, on its own registry', async () => {
    const observability = createObservability(parseConfig({ DATA_DIR: '/tmp/unused', LOG_LEVEL: 'silent' }));
    const now = new Date();
    observability.stages.record('review', { jobId: 'j', kind: 'generation', provider: 'gemini', model: 'm' }, now, now);
    const text = await observability.metrics.registry.metrics();
    expect(sample(text, 'etalase_stage_duration_seconds_count', { stage: 'review', provider: 'gemini', model: 'm' })).toBe(1);
  });

  test('the port decorators no longer infer stages from the order of port calls', async () => {
    const metrics = createMetrics();
    const instrument = createInstrumentation({ metrics, scrubber: createScrubber([]), describerVendor: 'local', ledgerVendor: 'postgres' });
    const generationId = randomUUID();
    const row = { id: generationId, mode: 'TEXT_TO_IMAGE', cost: 1, finishedAt: null } as unknown as GenerationRecord;
    const queue = instrument.queue({ reserveAndEnqueue: async () => ({ outcome: { kind: 'reserved', balance: 9 }, position: 0 }) } as unknown as JobQueue);
    const ledger = instrument.ledger({
      recordPrompt: async () => {},
      complete: async () => true,
      generation: async () => row,
    } as unknown as Ledger);
    const generator = instrument.generator({ name: 'local', generate: async () => ({ images: [] }) } as unknown as Generator);

    await queue.reserveAndEnqueue({ kind: 'generation', id: generationId, mode: 'TEXT_TO_IMAGE', cost: 1 } as GenerationReservation, {
      kind: 'generation',
      id: generationId,
      userId: randomUUID(),
      idempotencyKey: null,
    });
    await ledger.recordPrompt(generationId, [], 'a prompt', []);
    await generator.generate({ generationId, mode: 'TEXT_TO_IMAGE', count: 1 } as GenerateRequest);
    await ledger.complete(generationId, { images: [], warnings: [] });

    const text = await metrics.registry.metrics();
    expect(sample(text, 'etalase_stage_duration_seconds_count')).toBeUndefined();
    // What the decorators do count: the vendor call, the debit, and the outcome (mode from the row).
    expect(sample(text, 'etalase_vendor_calls_total', { vendor: 'local', operation: 'generate' })).toBe(1);
    expect(sample(text, 'etalase_coins_debited_total', { mode: 'TEXT_TO_IMAGE' })).toBe(1);
    expect(sample(text, 'etalase_generations_total', { mode: 'TEXT_TO_IMAGE', status: 'SUCCEEDED' })).toBe(1);
  });
});

describeWithPostgres('npm run worker, apart from the API', () => {
  const METRICS_TOKEN = 'worker-scrape-secret-7';
  let db: TestDatabase;
  let admin: pg.Pool;
  let api: TestApp;
  let worker: RunningServer;
  let metricsPort: number;

  beforeAll(async () => {
    db = await freshDatabase('worker_metrics');
    admin = new pg.Pool({ connectionString: db.url, max: 1 });
    // The API takes no jobs (WORKER_CONCURRENCY=0) and migrates the database; the worker runs them.
    api = await startTestApp({ DATABASE_URL: db.url, WORKER_CONCURRENCY: '0' });
    metricsPort = await freePort();
    worker = await startWorker({
      DATABASE_URL: db.url,
      DATA_DIR: api.dataDir,
      WORKER_CONCURRENCY: '1',
      METRICS_PORT: String(metricsPort),
      METRICS_TOKEN,
      LOG_LEVEL: 'info',
    });
  }, 120_000);
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await api?.close();
    await admin?.end();
    await db?.drop();
  });

  const scrape = (headers: Record<string, string> = { authorization: `Bearer ${METRICS_TOKEN}` }) =>
    fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers });

  test('the worker serves /metrics on METRICS_PORT, behind METRICS_TOKEN, and says so when it starts', async () => {
    const started = worker.output().split('\n').find((line) => line.includes('"message":"worker started"'));
    expect(started).toContain(`"metrics":"port ${metricsPort}"`);
    expect((await scrape({})).status).toBe(401);
    const ok = await scrape();
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/# TYPE etalase_stage_duration_seconds histogram/);
  });

  // Passes once the job runner (the runner rewrite, src/studio/jobs/) calls deps.stages.record for its
  // stages: the worker's registry then has them. Before that the worker observes no stage and this fails.
  test('after one job, the worker’s /metrics has the describe and generate stages it ran', async () => {
    const token = await api.token(`worker-metrics-${randomUUID()}`);
    // With a product photo, so the job has something to describe.
    const started = await api.upload(
      `mutation($input: GenerateImagesInput!) { startGeneration(input: $input) {
        __typename ... on Error { message } ... on StartGenerationSuccess { generation { id } } } }`,
      { input: { productImages: [null], count: 1, prompt: 'a batik shirt on a wooden table' } },
      [{ path: 'input.productImages.0', bytes: await jpeg({ color: '#226644' }) }],
      { token },
    );
    expect(started.body.data.startGeneration.__typename, JSON.stringify(started.body)).toBe('StartGenerationSuccess');
    const id: string = started.body.data.startGeneration.generation.id;

    let status = '';
    for (const deadline = Date.now() + 60_000; status !== 'SUCCEEDED'; ) {
      status = (await admin.query('select status from public.generations where id = $1', [id])).rows[0]?.status ?? '';
      if (status === 'FAILED' || status === 'CANCELED') throw new Error(`generation ${status}:\n${worker.output()}`);
      if (Date.now() > deadline) throw new Error(`generation still ${status} after 60 s:\n${worker.output()}`);
      if (status !== 'SUCCEEDED') await new Promise((r) => setTimeout(r, 100));
    }

    const text = await (await scrape()).text();
    // Counted by the worker, which ran the job, under the provider that really ran each stage.
    for (const stage of ['describe', 'generate']) {
      expect(sample(text, 'etalase_stage_duration_seconds_count', { stage, kind: 'generation' }) ?? 0, stage).toBeGreaterThanOrEqual(1);
    }
    expect(sample(text, 'etalase_stage_duration_seconds_count', { stage: 'generate', provider: 'local' }) ?? 0).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'etalase_vendor_calls_total', { vendor: 'local', operation: 'generate' })).toBe(1);
    // The API, which only queued it, ran no stage.
    const apiText = await api.app.metrics.metrics();
    expect(sample(apiText, 'etalase_stage_duration_seconds_count')).toBeUndefined();
  });

  test('SIGTERM: the worker exits cleanly and its metrics port is closed', async () => {
    expect(await worker.stop('SIGTERM')).toBe(0);
    await expect(scrape()).rejects.toThrow();
  });
});
