// Hostile multipart and oversized bodies through yoga.fetch of a real app: each answers a plain 4xx
// before any resolver or auth runs, and a normal upload still works afterwards.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { multipartBody, startTestApp, type TestApp } from './helpers/app.js';
import { jpeg } from './helpers/images.js';

const GENERATE = `mutation Generate($input: GenerateImagesInput!) { generateImages(input: $input) {
  __typename ... on GenerateImagesSuccess { remainingCoins generation { status descriptions { slot } images { url } } }
  ... on Error { message } } }`;

let t: TestApp;
let photo: Uint8Array;
beforeAll(async () => {
  t = await startTestApp({ MAX_FILES: '6' });
  photo = await jpeg({ width: 320, height: 320 });
});
afterAll(() => t.close());

const file = () => new Blob([photo as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
const ops = (variables: unknown, query = GENERATE) => JSON.stringify({ query, variables });
const oneSlot = { input: { productImages: [null] } };

/** A multipart body part by part, in the order given: text fields as strings, files as Blobs. */
function form(parts: Array<[string, string | Blob]>): FormData {
  const body = new FormData();
  for (const [name, value] of parts) {
    if (typeof value === 'string') body.append(name, value);
    else body.append(name, value, `${name}.jpg`);
  }
  return body;
}

/** operations, a map and one file part per map key */
const mapped = (operations: string, map: unknown) =>
  form([
    ['operations', operations],
    ['map', JSON.stringify(map)],
    ...Object.keys(map as object).map((k): [string, Blob] => [k, file()]),
  ]);

async function send(body: BodyInit, headers: Record<string, string> = {}, method = 'POST', url = 'http://localhost/graphql') {
  const response = await t.app.yoga.fetch(url, { method, headers: { 'x-graphql-yoga-csrf': '1', ...headers }, body });
  const text = await response.text();
  return { status: response.status, text, json: text ? JSON.parse(text) : null };
}

const sevenPaths = Array.from({ length: 7 }, (_, i) => [String(i), [`variables.input.productImages.${i}`]]);

const hostile: Array<[string, () => FormData, number, RegExp?]> = [
  ['a map index far past the end of the list', () => mapped(ops(oneSlot), { 0: ['variables.input.productImages.4294967294'] }), 400],
  ['a map index equal to the list length (growth by one)', () => mapped(ops(oneSlot), { 0: ['variables.input.productImages.1'] }), 400],
  ['a negative map index', () => mapped(ops(oneSlot), { 0: ['variables.input.productImages.-1'] }), 400],
  ['a non-canonical map index', () => mapped(ops(oneSlot), { 0: ['variables.input.productImages.00'] }), 400],
  ['a __proto__ segment', () => mapped(ops(oneSlot), { 0: ['variables.__proto__.polluted'] }), 400],
  ['a constructor segment', () => mapped(ops(oneSlot), { 0: ['variables.input.constructor'] }), 400],
  ['a prototype segment', () => mapped(ops(oneSlot), { 0: ['variables.input.productImages.prototype'] }), 400],
  ['a path outside variables', () => mapped(ops(oneSlot), { 0: ['query'] }), 400],
  ['the bare "variables" path', () => mapped(ops(oneSlot), { 0: ['variables'] }), 400],
  ['an empty path segment', () => mapped(ops(oneSlot), { 0: ['variables.input..productImages'] }), 400],
  ['a file onto a String variable', () => mapped(ops({ input: { productImages: [], prompt: null } }), { 0: ['variables.input.prompt'] }), 400],
  ['a file onto the list itself', () => mapped(ops({ input: { productImages: null } }), { 0: ['variables.input.productImages'] }), 400],
  ['a file onto a non-null value', () => mapped(ops({ input: { productImages: ['already'] } }), { 0: ['variables.input.productImages.0'] }), 400],
  ['a file onto a key the variables lack', () => mapped(ops(oneSlot), { 0: ['variables.input.faceImage'] }), 400],
  ['a file onto an undeclared variable', () => mapped(ops({ ...oneSlot, extra: null }), { 0: ['variables.extra'] }), 400],
  ['a file into an object where the type wants a list', () => mapped(ops({ input: { productImages: { 0: null } } }), { 0: ['variables.input.productImages.0'] }), 400],
  ['a file onto an input field the type lacks', () => mapped(ops({ input: { productImages: [], secret: null } }), { 0: ['variables.input.secret'] }), 400],
  ['the same path mapped twice', () => mapped(ops(oneSlot), { 0: ['variables.input.productImages.0'], 1: ['variables.input.productImages.0'] }), 400],
  ['a map value that is a string', () => mapped(ops(oneSlot), { 0: 'variables.input.productImages.0' }), 400],
  ['a map value of numbers', () => mapped(ops(oneSlot), { 0: [0] }), 400],
  ['a map value that is an empty array', () => mapped(ops(oneSlot), { 0: [] }), 400],
  ['a map that is an array', () => form([['operations', ops(oneSlot)], ['map', '[["variables.input.productImages.0"]]'], ['0', file()]]), 400],
  ['a map that is null', () => form([['operations', ops(oneSlot)], ['map', 'null'], ['0', file()]]), 400],
  ['a map that is not JSON', () => form([['operations', ops(oneSlot)], ['map', '{0:'], ['0', file()]]), 400],
  ['operations that is null', () => mapped('null', { 0: ['variables.input.productImages.0'] }), 400],
  ['operations that is a number', () => mapped('42', { 0: ['variables.input.productImages.0'] }), 400],
  ['operations that is a string', () => mapped('"mutation { x }"', { 0: ['variables.input.productImages.0'] }), 400],
  ['operations that is true', () => mapped('true', { 0: ['variables.input.productImages.0'] }), 400],
  ['batched operations', () => mapped(`[${ops(oneSlot)}]`, { 0: ['0.variables.input.productImages.0'] }), 400],
  ['operations that is not JSON', () => mapped('{"query":', { 0: ['variables.input.productImages.0'] }), 400],
  ['no operations field', () => form([['map', '{}']]), 400],
  ['operations sent as a file', () => form([['operations', file()], ['map', '{}']]), 400],
  // The form parser keeps the last of repeated fields: that one is checked.
  ['a repeated operations field ending in null', () => form([['operations', ops(oneSlot)], ['operations', 'null'], ['map', '{}']]), 400, /must be a JSON object/],
  ['an extra text field', () => form([['operations', ops(oneSlot)], ['map', '{}'], ['note', 'hello']]), 400],
  ['a map key without a file part', () => form([['operations', ops(oneSlot)], ['map', '{"0":["variables.input.productImages.0"]}']]), 400],
  ['a file part not in the map', () => form([['operations', ops({ input: { productImages: [] } })], ['map', '{}'], ['0', file()]]), 400],
  ['a file part with no map at all', () => form([['operations', ops({ input: { productImages: [] } })], ['0', file()]]), 400],
  ['variables that are an array', () => mapped(JSON.stringify({ query: GENERATE, variables: [null] }), { 0: ['variables.0'] }), 400],
  ['a query that does not parse', () => mapped(ops(oneSlot, 'mutation ($input: GenerateImagesInput!) {'), { 0: ['variables.input.productImages.0'] }), 400],
  ['a query over the token limit', () => mapped(ops(oneSlot, `${GENERATE}\n${'{ __typename }'.repeat(2000)}`), { 0: ['variables.input.productImages.0'] }), 400],
  ['an operationName the query lacks', () => mapped(JSON.stringify({ query: GENERATE, variables: oneSlot, operationName: 'Other' }), { 0: ['variables.input.productImages.0'] }), 400],
  ['more file parts than MAX_FILES', () => mapped(ops({ input: { productImages: Array(7).fill(null) } }), Object.fromEntries(sevenPaths)), 400, /Files limit exceeded/],
  ['more map entries than MAX_FILES', () => form([['operations', ops({ input: { productImages: Array(7).fill(null) } })], ['map', JSON.stringify(Object.fromEntries(sevenPaths))]]), 400, /At most 6 files/],
  ['operations over the 1 MB field cap', () => form([['operations', ops({ input: { productImages: [null], prompt: 'x'.repeat(1_100_000) } })], ['map', '{"0":["variables.input.productImages.0"]}'], ['0', file()]]), 413],
];

describe('hostile multipart requests', () => {
  test.each(hostile)('%s', async (_name, build, status, message) => {
    const { status: actual, json, text } = await send(build());
    expect(actual).toBe(status);
    expect(json.errors).toHaveLength(1);
    expect(typeof json.errors[0].message).toBe('string');
    expect(json.errors[0].message.length).toBeLessThan(300);
    expect(text).not.toMatch(/blobParts|_buffer|Unexpected error/);
    if (message) expect(json.errors[0].message).toMatch(message);
  });

  test.each([
    ['no boundary', 'multipart/form-data', 'operations'],
    ['a body that is not multipart', 'multipart/form-data; boundary=xyz', '{"query":"{ __typename }"}'],
    ['a truncated part', 'multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query"'],
  ])('a broken multipart envelope (%s) is a 400', async (_name, type, body) => {
    const { status, json } = await send(body, { 'content-type': type });
    expect(status).toBe(400);
    expect(json).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'BAD_REQUEST' } }] });
  });

  test('the huge-index request answers without building the sparse array', async () => {
    const body = mapped(ops(oneSlot), { 0: ['variables.input.productImages.4294967294'] });
    global.gc?.();
    const before = process.memoryUsage().rss;
    const { status, json } = await send(body);
    const growth = process.memoryUsage().rss - before;
    expect(status).toBe(400);
    expect(json.errors[0].message).toMatch(/index inside the list/);
    expect(growth).toBeLessThan(50 * 1024 * 1024);
  });

  test('a file on a String variable is refused without echoing the file object', async () => {
    const { status, json } = await send(mapped(ops({ input: { productImages: [], prompt: null } }), { 0: ['variables.input.prompt'] }));
    expect(status).toBe(400);
    expect(json.errors[0].message).toBe('Map path "variables.input.prompt" does not point at an Upload.');
  });

  test('the prototype is untouched after a __proto__ path', async () => {
    await send(mapped(ops(oneSlot), { 0: ['variables.__proto__.polluted'] }));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('oversized JSON bodies', () => {
  const bigQuery = JSON.stringify({ query: `{ __typename }#${'x'.repeat(1_100_000)}` });

  test('a JSON body over 1 MB is a 413', async () => {
    const { status, json } = await send(bigQuery, { 'content-type': 'application/json' });
    expect(status).toBe(413);
    expect(json.errors[0].message).toMatch(/byte limit/);
  });

  test('a streamed JSON body over 1 MB (no content-length) is a 413', async () => {
    const bytes = new TextEncoder().encode(bigQuery);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const response = await t.app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  test('a Content-Length that is not one non-negative integer is a 400 (as Yoga\'s own check, now off, answered)', async () => {
    const { status, json } = await send(JSON.stringify({ query: '{ __typename }' }), { 'content-type': 'application/json', 'content-length': '25, 25' });
    expect(status).toBe(400);
    expect(json.errors[0].message).toMatch(/Content-Length/);
  });

  test('a GET query string over 1 MB is a 413', async () => {
    const url = `http://localhost/graphql?query=${encodeURIComponent(`{ __typename }#${'x'.repeat(1_100_000)}`)}`;
    const response = await t.app.yoga.fetch(url, { headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' } });
    expect(response.status).toBe(413);
  });

  test('a GET with variables that are not JSON is a 400', async () => {
    const response = await t.app.yoga.fetch('http://localhost/graphql?query=%7B__typename%7D&variables=%7Bnope', { headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' } });
    expect(response.status).toBe(400);
  });

  test('a JSON body just under the cap still runs', async () => {
    const { status, json } = await send(JSON.stringify({ query: `{ __typename }#${'x'.repeat(900_000)}` }), { 'content-type': 'application/json' });
    expect(status).toBe(200);
    expect(json.data.__typename).toBe('Query');
  });
});

describe('valid uploads after all that', () => {
  test('Apollo-style productImages [null, null] with faceImage null works', async () => {
    const token = await t.token('guard-user');
    const body = multipartBody(GENERATE, { input: { productImages: [null, null], faceImage: null } }, [
      { path: 'input.productImages.0', bytes: photo },
      { path: 'input.productImages.1', bytes: photo },
    ]);
    const { status, json } = await send(body, { authorization: `Bearer ${token}` });
    expect(status).toBe(200);
    expect(json.data.generateImages.__typename).toBe('GenerateImagesSuccess');
    expect(json.data.generateImages.generation.descriptions.map((d: { slot: string }) => d.slot)).toEqual(['PRODUCT_1', 'PRODUCT_2']);
  });

  test('a face file on faceImage and one file used for two slots work', async () => {
    const token = await t.token('guard-user-2');
    const body = form([
      ['operations', ops({ input: { productImages: [null, null], faceImage: null } })],
      ['map', JSON.stringify({ a: ['variables.input.productImages.0', 'variables.input.productImages.1'], b: ['variables.input.faceImage'] })],
      ['a', file()],
      ['b', file()],
    ]);
    const { status, json } = await send(body, { authorization: `Bearer ${token}` });
    expect(status).toBe(200);
    expect(json.data.generateImages.generation.descriptions.map((d: { slot: string }) => d.slot)).toEqual(['PRODUCT_1', 'PRODUCT_2', 'FACE']);
  });

  test('a multipart request without files passes through to GraphQL', async () => {
    const { status, json } = await send(form([['operations', JSON.stringify({ query: '{ __typename }' })], ['map', '{}']]));
    expect(status).toBe(200);
    expect(json.data.__typename).toBe('Query');
  });

  test('the CSRF rule still applies to multipart', async () => {
    const body = multipartBody(GENERATE, oneSlot, [{ path: 'input.productImages.0', bytes: photo }]);
    const response = await t.app.yoga.fetch('http://localhost/graphql', { method: 'POST', body });
    expect(response.status).toBe(403);
  });
});

describe('a multipart body of undeclared length', () => {
  // Yoga's own body cap is off (app.ts): the guard counts a chunked multipart body against the whole-body
  // cap (here 2 × 100 kB files or a 100 kB ZIP, + 1 MB for the fields), which no single part limit reaches.
  let small: TestApp;
  beforeAll(async () => {
    small = await startTestApp({ MAX_FILES: '2', MAX_FILE_BYTES: '100000', CATALOG_ZIP_MAX_BYTES: '100000' });
  });
  afterAll(() => small.close());

  test('past the whole-body cap is a 413, though every part is within its own limit', async () => {
    const boundary = 'etalase-chunked-test';
    const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const text = part('operations', JSON.stringify({ query: `{ __typename }#${'x'.repeat(900_000)}` })) + part('map', '{}') + part('extra', 'y'.repeat(500_000)) + `--${boundary}--\r\n`;
    const bytes = new TextEncoder().encode(text);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const response = await small.app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'x-graphql-yoga-csrf': '1' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });
});
