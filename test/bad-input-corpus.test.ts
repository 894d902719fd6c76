// The bad-input corpus: hostile or broken files, multipart bodies, GraphQL documents, inputs and
// tokens. Each case asserts its exact error type or HTTP status, that the seller's balance and coin
// ledger did not move, and that the server still answers a normal request afterwards.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDevSecret } from '../src/adapters/auth/dev.js';
import { multipartBody, startTestApp, type TestApp, type UploadFile } from './helpers/app.js';
import { gif, html, jpeg, noisy, pdf, png, randomBytes, svg, truncated } from './helpers/images.js';

const GENERATE = `mutation($input: GenerateImagesInput!) { generateImages(input: $input) {
  __typename ... on Error { message } ... on InvalidInputError { field } ... on InvalidImageError { slot reason }
  ... on GenerateImagesSuccess { remainingCoins } } }`;

interface Answer {
  status: number;
  body: any;
}

let t: TestApp;
let token: string;
let userId: string;
let photo: Uint8Array;

beforeAll(async () => {
  t = await startTestApp({ MAX_FILES: '6', MAX_FILE_BYTES: String(2 * 1024 * 1024), MAX_PIXELS: '4000000' });
  token = await t.token('corpus-seller');
  userId = (await t.gql('{ me { id } }', {}, { token })).body.data.me.id;
  photo = await jpeg({ width: 400, height: 400 });
});
afterAll(() => t?.close());

const post = async (body: BodyInit, headers: Record<string, string> = {}): Promise<Answer> => {
  const response = await t.app.yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'x-graphql-yoga-csrf': '1', ...headers }, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed };
};
const answer = async (response: Response | Promise<Response>): Promise<Answer> => {
  const r = await response;
  return { status: r.status, body: await r.text() };
};
const json = (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  post(JSON.stringify({ query, variables }), { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers });
const generate = (input: Record<string, unknown>, files: UploadFile[] = []) =>
  files.length
    ? post(multipartBody(GENERATE, { input }, files), { authorization: `Bearer ${token}` })
    : json(GENERATE, { input });
const product = (bytes: Uint8Array, i = 0): UploadFile => ({ path: `input.productImages.${i}`, bytes });
const slots = (n: number) => Array.from({ length: n }, () => null);
const raw = (parts: Array<[string, string | Blob]>) => {
  const form = new FormData();
  for (const [name, value] of parts) typeof value === 'string' ? form.append(name, value) : form.append(name, value, `${name}.jpg`);
  return post(form, { authorization: `Bearer ${token}` });
};
const blob = () => new Blob([photo as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
const ops = (variables: unknown) => JSON.stringify({ query: GENERATE, variables });

// Expectations
const result = (r: Answer) => r.body?.data?.generateImages;
const invalidImage = (slot: string) => (r: Answer) => {
  expect(r.status).toBe(200);
  expect(result(r)).toMatchObject({ __typename: 'InvalidImageError', slot });
};
const invalidInput = (field: string) => (r: Answer) => {
  expect(r.status).toBe(200);
  expect(result(r)).toMatchObject({ __typename: 'InvalidInputError', field });
};
const status = (code: number) => (r: Answer) => {
  expect(r.status).toBe(code);
  expect(JSON.stringify(r.body)).not.toMatch(/blobParts|_buffer|Unexpected error/);
};
const graphqlError = (code: string) => (r: Answer) => {
  expect(r.status).not.toBe(500);
  expect(r.body.errors?.[0]?.extensions?.code).toBe(code);
};
const unauthenticated = graphqlError('UNAUTHENTICATED');
const refused = (pattern: RegExp) => (r: Answer) => {
  expect(r.status).not.toBe(500);
  expect(r.body.data).toBeUndefined();
  expect(r.body.errors?.[0]?.message).toMatch(pattern);
};

/** A JPEG whose frame header promises the whole image but whose scan stops a third of the way. */
async function jpegWithShortScan(): Promise<Uint8Array> {
  const full = new Uint8Array(await noisy(1200, 1200));
  const sos = full.findIndex((b, i) => b === 0xff && full[i + 1] === 0xda);
  const cut = sos + Math.floor((full.length - sos) / 3);
  return new Uint8Array([...full.subarray(0, cut), 0xff, 0xd9]);
}

const token5 = (secret: Uint8Array, claims: Record<string, unknown>, exp: number) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).setSubject(String(claims.sub ?? 'x')).sign(secret);

type Case = [name: string, send: () => Promise<Answer>, check: (r: Answer) => void];

const cases: Case[] = [
  // Files
  ['an HTML page as a product photo', () => generate({ productImages: slots(1) }, [product(html())]), invalidImage('PRODUCT_1')],
  ['an empty file', () => generate({ productImages: slots(1) }, [product(new Uint8Array())]), invalidImage('PRODUCT_1')],
  ['a GIF', async () => generate({ productImages: slots(1) }, [product(await gif())]), invalidImage('PRODUCT_1')],
  ['an SVG', () => generate({ productImages: slots(1) }, [product(svg())]), invalidImage('PRODUCT_1')],
  ['a PDF', () => generate({ productImages: slots(1) }, [product(pdf())]), invalidImage('PRODUCT_1')],
  ['random bytes named .jpg', () => generate({ productImages: slots(1) }, [{ ...product(randomBytes()), name: 'x.jpg', type: 'image/jpeg' }]), invalidImage('PRODUCT_1')],
  ['a JPEG cut in half', async () => generate({ productImages: slots(1) }, [product(truncated(await jpeg({ width: 800, height: 800 })))]), invalidImage('PRODUCT_1')],
  ['a JPEG whose scan ends early', async () => generate({ productImages: slots(1) }, [product(await jpegWithShortScan())]), invalidImage('PRODUCT_1')],
  ['a PNG cut short', async () => generate({ productImages: slots(1) }, [product(truncated(await png({ width: 600, height: 600 }), 0.6))]), invalidImage('PRODUCT_1')],
  ['a 20×20 photo', async () => generate({ productImages: slots(1) }, [product(await png({ width: 20, height: 20 }))]), invalidImage('PRODUCT_1')],
  ['over MAX_PIXELS', async () => generate({ productImages: slots(1) }, [product(await png({ width: 2100, height: 2000 }))]), invalidImage('PRODUCT_1')],
  ['a bad second product photo', () => generate({ productImages: slots(2) }, [product(photo), product(html(), 1)]), invalidImage('PRODUCT_2')],
  ['a bad face photo', () => generate({ faceImage: null }, [{ path: 'input.faceImage', bytes: html() }]), invalidImage('FACE')],
  ['a bad background photo', () => generate({ backgroundImage: null }, [{ path: 'input.backgroundImage', bytes: html() }]), invalidImage('BACKGROUND')],
  ['five product photos', () => generate({ productImages: slots(5) }, [0, 1, 2, 3, 4].map((i) => product(photo, i))), invalidInput('productImages')],
  ['a face for product-only content', () => generate({ faceImage: null, options: { contentType: 'PRODUCT_ONLY' } }, [{ path: 'input.faceImage', bytes: photo }]), invalidInput('faceImage')],
  ['a file over MAX_FILE_BYTES', () => generate({ productImages: slots(1) }, [product(randomBytes(3 * 1024 * 1024))]), status(413)],
  ['more than MAX_FILES files', () => raw([['operations', ops({ input: { productImages: slots(7) } })], ['map', JSON.stringify(Object.fromEntries(slots(7).map((_, i) => [String(i), [`variables.input.productImages.${i}`]])))], ...slots(7).map((_, i): [string, Blob] => [String(i), blob()])]), status(400)],

  // Multipart
  ['a map index of 4294967294', () => raw([['operations', ops({ input: { productImages: [null] } })], ['map', '{"0":["variables.input.productImages.4294967294"]}'], ['0', blob()]]), status(400)],
  ['operations null', () => raw([['operations', 'null'], ['map', '{}']]), status(400)],
  ['operations a number', () => raw([['operations', '42'], ['map', '{}']]), status(400)],
  ['operations a string', () => raw([['operations', '"query"'], ['map', '{}']]), status(400)],
  ['operations true', () => raw([['operations', 'true'], ['map', '{}']]), status(400)],
  ['operations a batch', () => raw([['operations', `[${ops({ input: { productImages: [null] } })}]`], ['map', '{"0":["0.variables.input.productImages.0"]}'], ['0', blob()]]), status(400)],
  ['operations not JSON', () => raw([['operations', '{nope'], ['map', '{}']]), status(400)],
  ['map values that are not arrays', () => raw([['operations', ops({ input: { productImages: [null] } })], ['map', '{"0":"variables.input.productImages.0"}'], ['0', blob()]]), status(400)],
  ['a file mapped onto the prompt', () => raw([['operations', ops({ input: { prompt: null } })], ['map', '{"0":["variables.input.prompt"]}'], ['0', blob()]]), status(400)],
  ['a map path through __proto__', () => raw([['operations', ops({ input: { productImages: [null] } })], ['map', '{"0":["variables.__proto__.polluted"]}'], ['0', blob()]]), status(400)],
  ['a map key with no file part', () => raw([['operations', ops({ input: { productImages: [null] } })], ['map', '{"0":["variables.input.productImages.0"]}']]), status(400)],
  ['a file part not in the map', () => raw([['operations', ops({ input: { productImages: [null] } })], ['map', '{}'], ['0', blob()]]), status(400)],
  ['two files on one path', () => raw([['operations', ops({ input: { productImages: [null] } })], ['map', '{"0":["variables.input.productImages.0"],"1":["variables.input.productImages.0"]}'], ['0', blob()], ['1', blob()]]), status(400)],
  ['a file part with no name', () => post(`--b\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${ops({ input: { productImages: [null] } })}\r\n--b\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.input.productImages.0"]}\r\n--b\r\nContent-Disposition: form-data; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\nxx\r\n--b--\r\n`, { 'content-type': 'multipart/form-data; boundary=b', authorization: `Bearer ${token}` }), status(400)],
  ['multipart without the CSRF header', () => answer(t.app.yoga.fetch('http://localhost/graphql', { method: 'POST', body: multipartBody(GENERATE, { input: { productImages: [null] } }, [product(photo)]) })), status(403)],

  // Documents
  ['20 000 levels of nesting', () => json(`{ ${'me { '.repeat(20_000)}id${' }'.repeat(20_000)} }`), graphqlError('GRAPHQL_PARSE_FAILED')],
  ['a 20 000-deep list literal', () => json(`{ quote(input: { count: ${'['.repeat(20_000)}1${']'.repeat(20_000)} }) { coins } }`), graphqlError('GRAPHQL_PARSE_FAILED')],
  ['1000 aliases of styleCatalog', () => json(`{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: styleCatalog { categories { value } }`).join(' ')} }`), graphqlError('GRAPHQL_PARSE_FAILED')],
  ['100 cheap aliases', () => json(`{ ${Array.from({ length: 100 }, (_, i) => `a${i}: quote { coins }`).join(' ')} }`), refused(/Aliases limit of 15 exceeded/)],
  ['50 directives', () => json(`{ quote ${'@include(if: true) '.repeat(50)} { coins } }`), refused(/Directives limit of 20 exceeded/)],
  ['ten pages of 100 generations', () => json(`{ me { ${Array.from({ length: 10 }, (_, i) => `g${i}: generations(first: 100) { edges { node { id status cost mode count createdAt } } }`).join(' ')} } }`), graphqlError('QUERY_TOO_COSTLY')],
  ['a syntax error', () => json('{ me { id '), graphqlError('GRAPHQL_PARSE_FAILED')],
  ['an unknown field', () => json('{ me { password } }'), graphqlError('GRAPHQL_VALIDATION_FAILED')],
  ['a 1.1 MB document', () => json(`{ quote { coins } } # ${'x'.repeat(1_100_000)}`), status(413)],
  ['a 20 MB JSON body', () => post(`{"query":"{ quote { coins } }","variables":{"pad":"${'x'.repeat(20_000_000)}"}}`, { 'content-type': 'application/json' }), status(413)],
  ['JSON that does not parse', () => post('{"query":', { 'content-type': 'application/json' }), status(400)],
  ['a mutation over GET', () => answer(t.app.yoga.fetch(`http://localhost/graphql?query=${encodeURIComponent('mutation { cancelGeneration(input: { id: "x" }) { __typename } }')}`, { headers: { 'x-graphql-yoga-csrf': '1' } })), status(405)],
  ['an operation name that is not in the document', () => post(JSON.stringify({ query: 'query A { quote { coins } }', operationName: 'B' }), { 'content-type': 'application/json' }), graphqlError('OPERATION_RESOLUTION_FAILURE')],
  ['variables that are not an object', () => post(JSON.stringify({ query: 'query($c: Int) { quote(input: { count: $c }) { coins } }', variables: [1] }), { 'content-type': 'application/json' }), status(400)],

  // Inputs
  ['count 0', () => generate({ count: 0 }), invalidInput('count')],
  ['count 5', () => generate({ count: 5 }), invalidInput('count')],
  ['count as a string', () => generate({ count: 'two' }), (r) => (status(400)(r), refused(/Int cannot represent/)(r))],
  ['an unknown mode', () => generate({ mode: 'VIDEO' }), (r) => (status(400)(r), refused(/does not exist in "GenerationMode"/)(r))],
  ['a prompt of 1001 characters', () => generate({ prompt: 'a'.repeat(1001) }), invalidInput('prompt')],
  ['a NUL in the prompt', () => generate({ prompt: 'tas kulit\u0000hitam' }), invalidInput('prompt')],
  ['a lone surrogate in the prompt', () => generate({ prompt: 'tas \ud800 kulit' }), invalidInput('prompt')],
  ['a control character in the prompt', () => generate({ prompt: 'tas\u001bkulit' }), invalidInput('prompt')],
  ['a NUL in customPose', () => generate({ options: { customPose: 'duduk\u0000' } }), invalidInput('options.customPose')],
  ['a lone surrogate in customBackground', () => generate({ options: { customBackground: 'pantai \udfff' } }), invalidInput('options.customBackground')],
  ['a NUL in the idempotencyKey', () => generate({ idempotencyKey: 'key\u0000' }), invalidInput('idempotencyKey')],
  ['a lone surrogate in the idempotencyKey', () => generate({ idempotencyKey: '\ud83d' }), invalidInput('idempotencyKey')],
  ['an empty idempotencyKey', () => generate({ idempotencyKey: '  ' }), invalidInput('idempotencyKey')],
  ['an idempotencyKey of 201 characters', () => generate({ idempotencyKey: 'k'.repeat(201) }), invalidInput('idempotencyKey')],
  ['an unknown category', () => generate({ options: { category: 'Mobil' } }), invalidInput('options.category')],
  ['a NUL in a category', () => generate({ options: { category: 'Tas\u0000' } }), invalidInput('options.category')],
  ['a pose for another content type', () => generate({ options: { contentType: 'PRODUCT_ONLY', category: 'Tas', pose: 'Walking Pose' } }), invalidInput('options.pose')],
  ['a background colour that is not one', () => generate({ options: { background: 'SOLID_COLOR', backgroundColor: 'sparkly' } }), invalidInput('options.backgroundColor')],
  ['UPLOADED background without a photo', () => generate({ options: { background: 'UPLOADED' } }), invalidInput('options.background')],
  ['REFERENCE mode without photos', () => generate({ mode: 'REFERENCE' }), invalidInput('mode')],
  ['a generation id with a NUL', () => json('query($id: ID!) { generation(id: $id) { id } }', { id: '\u0000' }), (r) => expect(r.body).toEqual({ data: { generation: null } })],
  ['cancelling something that is not an id', () => json('mutation($id: ID!) { cancelGeneration(input: { id: $id }) { __typename ... on InvalidInputError { field } } }', { id: "1' or 1=1" }), (r) => expect(r.body.data.cancelGeneration).toEqual({ __typename: 'InvalidInputError', field: 'id' })],
  ['a subscription key with a NUL', () => post(JSON.stringify({ query: 'subscription($k: String!) { generationEvents(idempotencyKey: $k) { stage } }', variables: { k: 'a\u0000' } }), { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` }), (r) => expect(JSON.stringify(r.body)).toContain('control character')],

  // Tokens
  ['no token', () => post(JSON.stringify({ query: GENERATE, variables: { input: {} } }), { 'content-type': 'application/json' }), unauthenticated],
  ['a token that is not a JWT', () => json(GENERATE, { input: {} }, { authorization: 'Bearer abc' }), unauthenticated],
  ['"Bearer" and nothing else', () => json(GENERATE, { input: {} }, { authorization: 'Bearer ' }), unauthenticated],
  ['a token signed with another secret', async () => json(GENERATE, { input: {} }, { authorization: `Bearer ${await token5(new TextEncoder().encode('x'.repeat(32)), { sub: 'mallory' }, Math.floor(Date.now() / 1000) + 600)}` }), unauthenticated],
  ['an expired token', async () => json(GENERATE, { input: {} }, { authorization: `Bearer ${await token5(await loadDevSecret(t.dataDir), { sub: 'corpus-seller' }, Math.floor(Date.now() / 1000) - 60)}` }), unauthenticated],
  ['an unsigned token (alg none)', () => json(GENERATE, { input: {} }, { authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"corpus-seller"}').toString('base64url')}.` }), unauthenticated],
  ['a 50 KB token', () => json(GENERATE, { input: {} }, { authorization: `Bearer ${'a'.repeat(50_000)}` }), unauthenticated],
];

describe('bad input corpus', () => {
  test('has at least 60 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  test.each(cases)('%s', async (_name, send, check) => {
    const before = { balance: await t.app.services.ledger.balance(userId), entries: await t.app.services.ledger.coinHistory(userId, 100) };
    check(await send());
    expect(await t.app.services.ledger.balance(userId)).toBe(before.balance);
    expect(await t.app.services.ledger.coinHistory(userId, 100)).toEqual(before.entries);
    const normal = await json('{ me { coinsBalance } }');
    expect(normal.body).toEqual({ data: { me: { coinsBalance: before.balance } } });
  });

  test('the books are right after the whole corpus', async () => {
    expect(await t.app.services.ledger.problems()).toEqual([]);
  });
});
