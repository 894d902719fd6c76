// Logs on pino: JSON lines with level names, LOG_LEVEL honoured, every line of a request carrying its
// request, user and generation ids, and no credential, configured key or raw byte ever written.
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseConfig } from '../src/config.js';
import { runAsJob } from '../src/observability/jobs.js';
import { createLogger } from '../src/observability/logger.js';
import { configSecrets, createScrubber } from '../src/observability/redact.js';
import { GenerateImagesDocument } from './generated/graphql.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { jpeg } from './helpers/images.js';

type Line = Record<string, any>;

function collector() {
  const lines: Line[] = [];
  const raw: string[] = [];
  return {
    lines,
    raw,
    destination: { write: (line: string) => void (raw.push(line), lines.push(JSON.parse(line))) },
  };
}

const FAL_KEY = 'fal-key-id-4f2a:fal-secret-9b8c7d6e5f';
const GEMINI_KEY = 'AIzaSy-gemini-test-key-0123456789';
const SERVICE_ROLE_KEY = 'service-role-key-abcdef0123456789';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('the pino logger', () => {
  test('writes one JSON object per line with an ISO time, a level name and the message', () => {
    const out = collector();
    const log = createLogger({ level: 'info', format: 'json', destination: out.destination });
    log.info('listening', { port: 4000 });
    log.debug('not at info');
    log.error('went wrong', { error: 'boom' });
    expect(out.lines).toHaveLength(2);
    expect(out.lines[0]).toMatchObject({ level: 'info', message: 'listening', port: 4000 });
    expect(new Date(out.lines[0]!.time).toISOString()).toBe(out.lines[0]!.time);
    expect(out.lines[1]).toMatchObject({ level: 'error', message: 'went wrong', error: 'boom' });
  });

  test('lines logged inside a job carry its job id and generation id', async () => {
    const out = collector();
    const log = createLogger({ level: 'info', format: 'json', destination: out.destination });
    await runAsJob('generation', { jobId: 'job-7', generationId: 'gen-7' }, async () => log.info('working'));
    log.info('outside');
    expect(out.lines[0]).toMatchObject({ message: 'working', jobId: 'job-7', generationId: 'gen-7' });
    expect(out.lines[1]).not.toHaveProperty('jobId');
  });

  test('LOG_LEVEL keeps its values: debug shows everything, silent nothing', () => {
    for (const [level, expected] of [['debug', 4], ['info', 3], ['warn', 2], ['error', 1], ['silent', 0]] as const) {
      const out = collector();
      const log = createLogger({ level, format: 'json', destination: out.destination });
      log.debug('d');
      log.info('i');
      log.warn('w');
      log.error('e');
      expect(out.lines.map((l) => l.message), level).toEqual(['d', 'i', 'w', 'e'].slice(4 - expected));
    }
  });

  test('redacts authorization headers, tokens, keys and configured secrets at any depth and inside strings', () => {
    const config = parseConfig({
      DATA_DIR: '/tmp/unused',
      DESCRIBER: 'gemini',
      GEMINI_API_KEY: GEMINI_KEY,
      GENERATOR: 'fal',
      FAL_KEY,
      LEDGER: 'supabase',
      SUPABASE_URL: 'http://127.0.0.1:54321',
      SUPABASE_SERVICE_ROLE_KEY: SERVICE_ROLE_KEY,
      DATABASE_URL: 'postgres://queue@db.example:5432/postgres',
      METRICS_TOKEN: 'metrics-token-123456',
    });
    const out = collector();
    const log = createLogger({ level: 'debug', format: 'json', destination: out.destination, scrubber: createScrubber(configSecrets(config)) });
    log.warn('vendor call failed', {
      headers: { authorization: `Bearer ${JWT}`, 'x-goog-api-key': GEMINI_KEY, 'content-type': 'application/json' },
      request: { headers: new Headers({ Authorization: `Key ${FAL_KEY}` }) },
      token: JWT,
      apiKey: GEMINI_KEY,
      serviceRoleKey: SERVICE_ROLE_KEY,
      nested: { deeper: { FAL_KEY, note: `retried with key ${GEMINI_KEY}` } },
      error: new Error(`401 from https://rest.example/v1?apikey=${SERVICE_ROLE_KEY} with Authorization: Key ${FAL_KEY}`),
      detail: `curl -H "Authorization: Bearer ${JWT}" postgres://etalase:hunter2-password@db:5432/etalase`,
      image: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]),
      slot: 'PRODUCT_1',
    });
    log.info(`token ${JWT} seen for the metrics token metrics-token-123456`);
    const text = out.raw.join('');
    for (const secret of [FAL_KEY, 'fal-secret-9b8c7d6e5f', GEMINI_KEY, SERVICE_ROLE_KEY, JWT, 'hunter2-password', 'metrics-token-123456']) {
      expect(text).not.toContain(secret);
    }
    const [line, second] = out.lines as [Line, Line];
    expect(line.headers).toEqual({ authorization: '[Redacted]', 'x-goog-api-key': '[Redacted]', 'content-type': 'application/json' });
    expect(line.request.headers.authorization).toBe('[Redacted]');
    expect(line.token).toBe('[Redacted]');
    expect(line.nested.deeper.FAL_KEY).toBe('[Redacted]');
    expect(line.nested.deeper.note).toBe('retried with key [Redacted]');
    expect(line.error.message).toContain('Authorization: Key [Redacted]');
    expect(line.detail).toContain('Bearer [Redacted]');
    expect(line.detail).toContain('postgres://etalase:[Redacted]@db');
    expect(line.image).toBe('[7 bytes]');
    expect(line.slot).toBe('PRODUCT_1');
    expect(second.message).toBe('token [Redacted] seen for the metrics token [Redacted]');
  });
});

describe('logs of a request', () => {
  const out = collector();
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, { log: createLogger({ level: 'debug', format: 'json', destination: out.destination }) });
  });
  afterAll(() => t?.close());

  test('every line of a generation carries its request id (echoed as x-request-id), user id and generation id', async () => {
    const token = await t.token('log-user');
    const userId = (await t.gql('{ me { id } }', {}, { token })).body.data.me.id;
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: print(GenerateImagesDocument), variables: { input: { productImages: [null], count: 1 } } }));
    form.append('map', JSON.stringify({ 0: ['variables.input.productImages.0'] }));
    form.append('0', new Blob([await jpeg({ color: '#884422' })], { type: 'image/jpeg' }), 'bag.jpg');
    const response = await t.app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'x-graphql-yoga-csrf': '1' },
      body: form,
    });
    const body = await response.json();
    const generation = body.data.generateImages.generation;
    expect(generation.status).toBe('SUCCEEDED');
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);

    const mine = out.lines.filter((l) => l.requestId === requestId);
    const described = mine.find((l) => l.message === 'described');
    expect(described).toMatchObject({ userId, generationId: generation.id });
    // From the moment the viewer is known, every line names them; from the reserve on, the generation.
    const firstWithUser = mine.findIndex((l) => l.userId);
    expect(mine.slice(firstWithUser).every((l) => l.userId === userId)).toBe(true);
    const firstWithGeneration = mine.findIndex((l) => l.generationId);
    expect(firstWithGeneration).toBeGreaterThanOrEqual(firstWithUser);
    expect(mine.slice(firstWithGeneration).every((l) => l.generationId === generation.id)).toBe(true);
    expect(mine.at(-1)).toMatchObject({ message: 'request', method: 'POST', path: '/graphql', status: 200, userId, generationId: generation.id });
    // Nothing of the request leaked into lines of other requests.
    expect(out.lines.filter((l) => l.requestId !== requestId && l.generationId === generation.id)).toEqual([]);
    expect(out.raw.join('')).not.toContain(token);
  });

  test('a plain id from a proxy is kept; anything else is replaced by a fresh one', async () => {
    const kept = await t.app.yoga.fetch('http://localhost/health', { headers: { 'x-request-id': 'edge-1234.abc' } });
    expect(kept.headers.get('x-request-id')).toBe('edge-1234.abc');
    const replaced = await t.app.yoga.fetch('http://localhost/health', { headers: { 'x-request-id': 'bad id\n{"level":"error"}' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('concurrent requests keep their own ids', async () => {
    const ids = ['req-a', 'req-b', 'req-c'];
    await Promise.all(
      ids.map((id) =>
        t.app.yoga.fetch('http://localhost/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': id },
          body: JSON.stringify({ query: '{ quote { coins } }' }),
        }),
      ),
    );
    for (const id of ids) {
      const lines = out.lines.filter((l) => l.requestId === id);
      expect(lines.find((l) => l.message === 'request')).toMatchObject({ path: '/graphql', status: 200 });
    }
  });
});
