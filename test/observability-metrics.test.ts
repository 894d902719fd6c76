// /metrics: Yoga's request and resolver metrics plus Etalase's own (generations, vendor calls, coins,
// uploads, read off the ports by decorators; stages, reported by the job runner through its StageTimer);
// a registry per app; METRICS_TOKEN and METRICS_PORT.
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLocalGenerator } from '../src/adapters/generate/local.js';
import { RetryError } from '../src/adapters/retry.js';
import { ConfigError, parseConfig } from '../src/config.js';
import { errorKind } from '../src/observability/instrument.js';
import { serveMetrics } from '../src/observability/metrics-endpoint.js';
import { GenerationError, type Generator } from '../src/studio/ports.js';
import { GenerateImagesDocument } from './generated/graphql.js';
import { startTestApp, type TestApp, type UploadFile } from './helpers/app.js';
import { jpeg, png } from './helpers/images.js';
import { freePort } from './helpers/ports.js';
import { startServer } from './helpers/server.js';

const GENERATE = print(GenerateImagesDocument);

/** The value of one series, e.g. sample(text, 'etalase_generations_total', { status: 'FAILED' }). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return undefined;
}

/** Every series of `name` with these labels (and any others), e.g. what a stage took under any provider. */
function series(text: string, name: string, labels: Record<string, string> = {}): Array<{ labels: Record<string, string>; value: number }> {
  const found = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have: Record<string, string> = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) found.push({ labels: have, value: Number(match[3]) });
  }
  return found;
}

async function metricsOf(t: TestApp, headers: Record<string, string> = { authorization: 'Bearer scrape-secret-42' }) {
  const response = await t.app.yoga.fetch('http://localhost/metrics', { headers });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

test('vendor errors are sorted into a few kinds', () => {
  expect(errorKind(new DOMException('deadline', 'TimeoutError'))).toBe('timeout');
  expect(errorKind(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe('aborted');
  expect(errorKind(new Error('Gemini could not describe PRODUCT_1', { cause: new RetryError('gave up', 3, Object.assign(new Error('x'), { status: 429 })) }))).toBe('rate_limited');
  expect(errorKind(new GenerationError('The image service could not accept this request.', { status: 422 }))).toBe('rejected');
  expect(errorKind(new GenerationError('The image service failed.', { status: 502 }))).toBe('server');
  expect(errorKind(new GenerationError('The image service returned no images.'))).toBe('failed');
});

test('METRICS_PORT must differ from PORT', () => {
  expect(() => parseConfig({ METRICS_PORT: '4000' })).toThrow(ConfigError);
  expect(() => parseConfig({ PORT: '8080', METRICS_PORT: '8080' })).toThrow(/METRICS_PORT: must differ from PORT/);
  expect(parseConfig({ METRICS_PORT: '9464', METRICS_TOKEN: ' t0ken ' }).metrics).toEqual({ port: 9464, token: 't0ken' });
});

describe('metrics of generations', () => {
  let t: TestApp;
  let failNext = false;
  beforeAll(async () => {
    // The local generator, failing on demand the way a vendor's 503 does.
    const local = createLocalGenerator();
    const generator: Generator = {
      name: 'local',
      generate: (request) => {
        if (!failNext) return local.generate(request);
        failNext = false;
        return Promise.reject(Object.assign(new Error('upstream unavailable'), { status: 503 }));
      },
    };
    t = await startTestApp({ SIGNUP_COINS: '3', METRICS_TOKEN: 'scrape-secret-42' }, { generator });
  });
  afterAll(() => t?.close());

  test('count generations by mode and status, coins, stage durations, vendor calls and upload bytes', async () => {
    const token = await t.token('metrics-user');
    const photos = [await jpeg({ color: '#224488' }), await png({ color: '#884422' })];
    const files: UploadFile[] = photos.map((bytes, i) => ({ path: `input.productImages.${i}`, bytes }));
    const ok = await t.upload(GENERATE, { input: { productImages: [null, null], count: 1 } }, files, { token });
    expect(ok.body.data.generateImages.generation.status).toBe('SUCCEEDED');
    failNext = true;
    const failed = await t.gql(GENERATE, { input: { prompt: 'batik shirt', count: 1 } }, { token });
    expect(failed.body.data.generateImages).toMatchObject({ __typename: 'GenerationFailedError', refunded: true });
    const reference = await jpeg({ color: '#118855' });
    const third = await t.upload(GENERATE, { input: { productImages: [null], count: 1, mode: 'REFERENCE' } }, [{ path: 'input.productImages.0', bytes: reference }], { token });
    expect(third.body.data.generateImages.__typename).toBe('GenerateImagesSuccess');
    const broke = await t.gql(GENERATE, { input: { prompt: 'one more', count: 1 } }, { token });
    expect(broke.body.data.generateImages.__typename).toBe('InsufficientCoinsError');

    const { status, type, text } = await metricsOf(t);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(text, 'etalase_generations_total', { mode: 'TEXT_TO_IMAGE', status: 'SUCCEEDED' })).toBe(1);
    expect(sample(text, 'etalase_generations_total', { mode: 'TEXT_TO_IMAGE', status: 'FAILED' })).toBe(1);
    expect(sample(text, 'etalase_generations_total', { mode: 'REFERENCE', status: 'SUCCEEDED' })).toBe(1);
    expect(sample(text, 'etalase_reservations_total', { mode: 'TEXT_TO_IMAGE', outcome: 'insufficient' })).toBe(1);
    expect(sample(text, 'etalase_coins_debited_total', { mode: 'TEXT_TO_IMAGE' })).toBe(2);
    expect(sample(text, 'etalase_coins_debited_total', { mode: 'REFERENCE' })).toBe(2);
    expect(sample(text, 'etalase_coins_refunded_total', { mode: 'TEXT_TO_IMAGE' })).toBe(1);
    expect(sample(text, 'etalase_vendor_calls_total', { vendor: 'local', operation: 'describe' })).toBe(3);
    expect(sample(text, 'etalase_vendor_calls_total', { vendor: 'local', operation: 'generate' })).toBe(3);
    expect(sample(text, 'etalase_vendor_errors_total', { vendor: 'local', operation: 'generate', kind: 'server' })).toBe(1);
    expect(sample(text, 'etalase_upload_bytes_total', { kind: 'product' })).toBe(photos[0]!.byteLength + photos[1]!.byteLength + reference.byteLength);
    expect(sample(text, 'etalase_uploads_total', { kind: 'product', outcome: 'accepted' })).toBe(3);
    // Yoga's own: HTTP and operation durations, and root resolvers, without per-URL series.
    expect(sample(text, 'graphql_envelop_execute_resolver_count', { fieldName: 'generateImages', typeName: 'Mutation' })).toBe(4);
    expect(sample(text, 'graphql_yoga_http_duration_count', { method: 'POST', operationName: 'GenerateImages' })).toBe(4);
    expect(text).not.toMatch(/url="/);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  // Needs the job runner's deps.stages.record (the runner rewrite, src/studio/jobs/): until it calls
  // it, no stage is observed and this fails. The decorators no longer infer stages from port calls.
  test('stage durations, as the job runner reports them: by stage, kind, and what ran (provider, model)', async () => {
    const { text } = await metricsOf(t);
    const count = (stage: string, labels: Record<string, string> = {}) =>
      series(text, 'etalase_stage_duration_seconds_count', { stage, kind: 'generation', ...labels }).reduce((n, s) => n + s.value, 0);
    // The two that succeeded ran every stage; the one whose generator failed stopped at generate.
    for (const stage of ['describe', 'prompt', 'generate', 'store']) expect(count(stage), stage).toBeGreaterThanOrEqual(2);
    // No PromptWriter is configured: the composer wrote every prompt. The local generator made the images.
    expect(count('prompt', { provider: 'composer' })).toBe(count('prompt'));
    expect(count('generate', { provider: 'local' })).toBe(count('generate'));
    // Every series carries a model label ("none" when no model was called), never an empty one.
    for (const s of series(text, 'etalase_stage_duration_seconds_count')) expect(s.labels.model, JSON.stringify(s.labels)).toMatch(/\S/);
  });

  test('a rejected upload is counted as rejected, its bytes too', async () => {
    const token = await t.token('metrics-bad-upload');
    const before = sample((await metricsOf(t)).text, 'etalase_uploads_total', { kind: 'product', outcome: 'rejected' }) ?? 0;
    const junk = new TextEncoder().encode('not an image at all');
    const { body } = await t.upload(GENERATE, { input: { productImages: [null], count: 1 } }, [{ path: 'input.productImages.0', bytes: junk }], { token });
    expect(body.data.generateImages.__typename).toBe('InvalidImageError');
    expect(sample((await metricsOf(t)).text, 'etalase_uploads_total', { kind: 'product', outcome: 'rejected' })).toBe(before + 1);
  });

  test('with METRICS_TOKEN: no token or a wrong one is 401', async () => {
    expect((await metricsOf(t, {})).status).toBe(401);
    expect((await metricsOf(t, { authorization: 'Bearer wrong-token' })).status).toBe(401);
    expect((await metricsOf(t, { authorization: 'scrape-secret-42' })).status).toBe(401);
  });

  test('METRICS_PORT: not on the API port but alone on its own; the app has a registry of its own', async () => {
    const port = await freePort();
    const other = await startTestApp({ METRICS_PORT: String(port) });
    const server = await serveMetrics(other.app.metrics, { port, host: '127.0.0.1', token: 'scrape-secret-43' });
    try {
      expect((await metricsOf(other, {})).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
      const ok = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: 'Bearer scrape-secret-43' } });
      expect(ok.status).toBe(200);
      const text = await ok.text();
      expect(text).toMatch(/# TYPE etalase_generations_total counter/);
      // The first app's generations are not in this one's registry.
      expect(sample(text, 'etalase_generations_total', { status: 'SUCCEEDED' })).toBeUndefined();
      expect((await fetch(`http://127.0.0.1:${port}/graphql`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await other.close();
    }
  });
});

describe('npm start', () => {
  test('npm start with METRICS_PORT listens for the scraper there', async () => {
    const metricsPort = await freePort();
    const server = await startServer({ METRICS_PORT: String(metricsPort) });
    try {
      const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toMatch(/# TYPE graphql_yoga_http_duration histogram/);
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
      // Not a TTY: the server logs JSON lines.
      expect(server.output()).toMatch(/^\{"level":"info",.*"message":"listening"/m);
    } finally {
      await server.close();
    }
  });
});
