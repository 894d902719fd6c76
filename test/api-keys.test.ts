// API keys for backends: made by a signed-in seller (the secret shown once, stored as a hash only),
// sent as `Authorization: Bearer etl_…` they act as the seller, under the same fair-use limits; a key
// cannot manage keys; a revoked, malformed or unknown key is UNAUTHENTICATED like a bad token; and the
// secret never reaches a log line, an exported span or an error.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseConfig } from '../src/config.js';
import { createLogger } from '../src/observability/logger.js';
import { createScrubber } from '../src/observability/redact.js';
import { startTracing, type Tracing } from '../src/observability/tracing.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { jpeg } from './helpers/images.js';

const CREATE = `mutation($name: String!) { createApiKey(input: { name: $name }) {
  __typename ... on Error { message } ... on CreateApiKeySuccess { secret apiKey { id name prefix createdAt lastUsedAt } } } }`;
const REVOKE = `mutation($id: ID!) { revokeApiKey(input: { id: $id }) { __typename ... on Error { message } ... on RevokeApiKeySuccess { apiKey { id } } } }`;
const KEYS = '{ me { apiKeys { id name prefix createdAt lastUsedAt } } }';
const GENERATE = `mutation($input: GenerateImagesInput!) { generateImages(input: $input) {
  __typename ... on Error { message } ... on GenerateImagesSuccess { remainingCoins generation { id status } } } }`;
const READ = 'query($id: ID!) { generation(id: $id) { id status images { url width height videoPrompts { version } } } }';

function collector() {
  const bodies: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      bodies.push(body);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise<{ url: string; bodies: string[]; close(): Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, close: () => new Promise((r) => server.close(() => r())) }),
    ),
  );
}

let t: TestApp;
let traces: Awaited<ReturnType<typeof collector>>;
let tracing: Tracing;
let traced = false;
const raw: string[] = [];
let seller: string;
let secret: string;
let keyId: string;

beforeAll(async () => {
  traces = await collector();
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: traces.url };
  tracing = await startTracing(parseConfig({ DATA_DIR: '/tmp/unused', ...env }));
  const log = createLogger({ level: 'debug', format: 'json', destination: { write: (line: string) => void raw.push(line) }, scrubber: createScrubber() });
  t = await startTestApp(env, { log });
  seller = await t.token('key-owner');
  const created = (await t.gql(CREATE, { name: 'toko backend' }, { token: seller })).body.data.createApiKey;
  expect(created.__typename).toBe('CreateApiKeySuccess');
  secret = created.secret;
  keyId = created.apiKey.id;
});
afterAll(async () => {
  await t?.close();
  if (!traced) await tracing?.shutdown();
  await traces?.close();
});

describe('making and listing keys', () => {
  test('the secret is etl_ + 32 random bytes, shown once; the database keeps its SHA-256 only', async () => {
    expect(secret).toMatch(/^etl_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret.slice(4), 'base64url')).toHaveLength(32);
    const listed = (await t.gql(KEYS, {}, { token: seller })).body.data.me.apiKeys;
    expect(listed).toEqual([{ id: keyId, name: 'toko backend', prefix: secret.slice(0, 12), createdAt: expect.any(String), lastUsedAt: null }]);
    const db = (t.app.services.ledger as unknown as { db: { query(sql: string, params?: unknown[]): Promise<{ rows: any[] }> } }).db;
    const { rows } = await db.query('select * from public.api_keys where id = $1', [keyId]);
    expect(JSON.stringify(rows)).not.toContain(secret.slice(12));
    expect(Buffer.from(rows[0].secret_hash).equals(createHash('sha256').update(secret).digest())).toBe(true);
  });

  test('a name is required, plain text and at most 100 characters', async () => {
    expect((await t.gql(CREATE, { name: '  ' }, { token: seller })).body.data.createApiKey).toMatchObject({ __typename: 'InvalidInputError' });
    expect((await t.gql(CREATE, { name: 'x'.repeat(101) }, { token: seller })).body.data.createApiKey).toMatchObject({ __typename: 'InvalidInputError' });
    expect((await t.gql(CREATE, { name: 'nul\u0000' }, { token: seller })).body.data.createApiKey).toMatchObject({ __typename: 'InvalidInputError' });
  });
});

describe('a backend with a key', () => {
  test('acts as its owner: runs a batch and reads the result', async () => {
    const asSeller = (await t.gql('{ me { id coinsBalance } }', {}, { token: seller })).body.data.me;
    const asKey = (await t.gql('{ me { id coinsBalance } }', {}, { token: secret })).body.data.me;
    expect(asKey).toEqual(asSeller);
    const started = await t.upload(GENERATE, { input: { productImages: [null], count: 1 } }, [{ path: 'input.productImages.0', bytes: await jpeg({ color: '#aa5500' }) }], {
      token: secret,
    });
    const result = started.body.data.generateImages;
    expect(result).toMatchObject({ __typename: 'GenerateImagesSuccess', remainingCoins: asSeller.coinsBalance - 1, generation: { status: 'SUCCEEDED' } });
    const read = (await t.gql(READ, { id: result.generation.id }, { token: secret })).body.data.generation;
    expect(read.images).toHaveLength(1);
    expect((await t.app.yoga.fetch(read.images[0].url.replace('http://localhost:4000', 'http://localhost'))).headers.get('content-type')).toBe('image/jpeg');
    // The seller sees the same batch; the key's last use is recorded.
    expect((await t.gql(READ, { id: result.generation.id }, { token: seller })).body.data.generation.id).toBe(result.generation.id);
    await expect.poll(async () => (await t.gql(KEYS, {}, { token: seller })).body.data.me.apiKeys[0].lastUsedAt).toEqual(expect.any(String));
  });

  test('cannot create or revoke keys (NotAllowedError), whatever it asks', async () => {
    expect((await t.gql(CREATE, { name: 'another' }, { token: secret })).body.data.createApiKey).toMatchObject({
      __typename: 'NotAllowedError',
      message: expect.stringContaining('API key cannot create'),
    });
    expect((await t.gql(REVOKE, { id: keyId }, { token: secret })).body.data.revokeApiKey.__typename).toBe('NotAllowedError');
    expect((await t.gql(KEYS, {}, { token: seller })).body.data.me.apiKeys).toHaveLength(1);
  });

  test('a malformed, unknown or wrong-secret key is UNAUTHENTICATED, exactly like a bad token', async () => {
    const badToken = await t.gql('{ me { id } }', {}, { token: 'eyJhbGciOiJIUzI1NiJ9.e30.bad' });
    expect(badToken.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const sameAs = (await t.gql('{ me { id } }', {}, { token: 'not-a-token' })).body;
    for (const key of ['etl_', 'etl_short', `etl_${randomBytes(32).toString('base64url')}`, `${secret.slice(0, 12)}${'A'.repeat(35)}`, `${secret}x`]) {
      const { status, body } = await t.gql('{ me { id } }', {}, { token: key });
      expect(status, key).toBe(200);
      expect(body, key).toEqual(sameAs);
      expect(JSON.stringify(body)).not.toContain(key);
    }
  });

  test('revoked by its owner, it is refused at once and no longer listed', async () => {
    const other = (await t.gql(CREATE, { name: 'to revoke' }, { token: seller })).body.data.createApiKey;
    expect((await t.gql('{ me { id } }', {}, { token: other.secret })).body.data.me).toBeTruthy();
    expect((await t.gql(REVOKE, { id: other.apiKey.id }, { token: seller })).body.data.revokeApiKey).toEqual({ __typename: 'RevokeApiKeySuccess', apiKey: { id: other.apiKey.id } });
    expect((await t.gql('{ me { id } }', {}, { token: other.secret })).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await t.gql(REVOKE, { id: other.apiKey.id }, { token: seller })).body.data.revokeApiKey.__typename).toBe('InvalidInputError');
    // Someone else's key is not theirs to revoke.
    const stranger = await t.token('key-stranger');
    expect((await t.gql(REVOKE, { id: keyId }, { token: stranger })).body.data.revokeApiKey.__typename).toBe('InvalidInputError');
    expect((await t.gql(KEYS, {}, { token: seller })).body.data.me.apiKeys.map((k: { id: string }) => k.id)).toEqual([keyId]);
  });
});

describe('the secret never leaves', () => {
  test('not in a log line: the request, a message, a field, an error, all at debug level', async () => {
    await t.gql('{ me { id } }', {}, { token: secret, headers: { 'x-request-id': 'key-request' } });
    const log = createLogger({ level: 'debug', format: 'json', destination: { write: (line: string) => void raw.push(line) } });
    log.warn(`backend retried with ${secret}`, { presented: secret, headers: { authorization: `Bearer ${secret}` }, error: new Error(`refused ${secret}`) });
    const text = raw.join('');
    expect(text).toContain('key-request');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice(12));
    // The prefix, which its owner sees in apiKeys, stays readable for an operator.
    expect(text).toContain(`backend retried with ${secret.slice(0, 12)}[Redacted]`);
  });

  test('not in an exported span', async () => {
    await t.gql('query Who { me { id } }', {}, { token: secret });
    await tracing.shutdown(); // flushes every buffered span to the collector
    traced = true;
    const spans = traces.bodies.join('');
    expect(spans).toContain('POST /graphql');
    expect(spans).not.toContain(secret.slice(12));
  });
});

describe('fair use', () => {
  test('a key spends its owner’s limits: generations per minute are counted together', async () => {
    const limited = await startTestApp({ RATE_LIMITS: 'on', GENERATIONS_PER_MINUTE: '2', MAX_ACTIVE_GENERATIONS: '5' });
    try {
      const token = await limited.token('limited-owner');
      const key = (await limited.gql(CREATE, { name: 'batch runner' }, { token })).body.data.createApiKey.secret;
      const start = (credential: string) =>
        limited.gql('mutation { startGeneration(input: { count: 1 }) { __typename } }', {}, { token: credential }).then((r) => r.body.data.startGeneration.__typename);
      expect(await start(token)).toBe('StartGenerationSuccess');
      expect(await start(key)).toBe('StartGenerationSuccess');
      expect(await start(key)).toBe('RateLimitedError');
      expect(await start(token)).toBe('RateLimitedError');
    } finally {
      await limited.close();
    }
  });
});
