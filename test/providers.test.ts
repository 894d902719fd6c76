// generateImages through yoga.fetch with the real vendor SDKs (@google/genai, @fal-ai/client) pointed
// at the wire-level fakes: the app is built by createApp from env config, only the network across the
// vendor boundary is fake. PGlite (the default ledger) keeps the books; every fault case checks them.
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startFalFake, type FalFake, type FalScript } from './fakes/fal.js';
import { isVisionStep, startGeminiFake, textOf, type GeminiFake, type GeminiRequest } from './fakes/gemini.js';
import { startTestApp, type TestApp, type UploadFile } from './helpers/app.js';
import { imagePool } from '../src/media/pool.js';
import { jpeg, jpegWithExifOrientation, png, twelveMegapixelJpeg, webp } from './helpers/images.js';

const GENERATE = /* GraphQL */ `
  mutation Generate($input: GenerateImagesInput!) {
    generateImages(input: $input) {
      __typename
      ... on Error { message }
      ... on GenerationFailedError { refunded generationId }
      ... on GenerateImagesSuccess {
        remainingCoins
        generation {
          id status mode count cost warnings error
          descriptions { slot text }
          images { url width height contentType }
        }
      }
    }
  }
`;
const GENERATION = 'query($id: ID!) { generation(id: $id) { id status cost error warnings images { url } } }';

const GEMINI_KEY = 'test-gemini-key';
const FAL_KEY = 'test-fal-key:secret';

let gemini: GeminiFake;
let fal: FalFake;
let t: TestApp;

const vendorEnv = (): Record<string, string> => ({
  DESCRIBER: 'gemini',
  GEMINI_API_KEY: GEMINI_KEY,
  GEMINI_BASE_URL: gemini.url,
  GENERATOR: 'fal',
  FAL_KEY,
  FAL_BASE_URL: fal.url,
  // the writer has its own cases below, the Gemini review its own file (review.test.ts); here the
  // Gemini fake sees only describe and screen calls
  PROMPT_WRITER: 'local',
  REVIEWER: 'local',
});

beforeAll(async () => {
  [gemini, fal] = await Promise.all([startGeminiFake(), startFalFake({ key: FAL_KEY })]);
  t = await startTestApp({
    ...vendorEnv(),
    // Short describe limits keep the hang and retry cases quick; a 429 of 1 s still fits the budget.
    DESCRIBE_TIMEOUT_MS: '1500',
    DESCRIBE_BUDGET_MS: '3000',
    DESCRIBE_RETRIES: '2',
    GENERATION_DEADLINE_MS: '30000',
  });
});
afterAll(async () => {
  await t?.close();
  await Promise.all([gemini?.close(), fal?.close()]);
});
beforeEach(() => {
  gemini.reset();
  fal.reset();
});

// Each photo is new to the description cache (kept in the database across tests) unless a test reuses it.
let photoSeed = 0;
function freshPhoto() {
  photoSeed++;
  const hex = (n: number) => ((n * photoSeed + 40) % 256).toString(16).padStart(2, '0');
  return jpeg({ color: `#${hex(37)}${hex(71)}${hex(113)}`, width: 640, height: 480 });
}
const products = (files: Uint8Array[]): UploadFile[] => files.map((bytes, i) => ({ path: `input.productImages.${i}`, bytes }));
const slots = (n: number) => Array.from({ length: n }, () => null);

interface User {
  token: string;
  id: string;
}
let userSeed = 0;
async function newUser(): Promise<User> {
  const token = await t.token(`providers-${++userSeed}`);
  const { body } = await t.gql('{ me { id coinsBalance } }', {}, { token });
  expect(body.data.me.coinsBalance).toBe(10);
  return { token, id: body.data.me.id };
}

/** The books after a case: balance as the API reports it, equal to the ledger's sum, no problems anywhere. */
async function expectBooks(user: User, balance: number, app: TestApp = t) {
  const { body } = await app.gql('{ me { coinsBalance } }', {}, { token: user.token });
  expect(body.data.me.coinsBalance).toBe(balance);
  expect(await app.app.services.ledger.ledgerSum(user.id)).toBe(balance);
  expect(await app.app.services.ledger.problems()).toEqual([]);
}

const stage = (name: string) => fal.requests.filter((r) => r.stage === name);
const isScreen = (r: GeminiRequest) => /SAFE or UNSAFE/.test(textOf(r));
const describes = () => gemini.requests.filter((r) => !isScreen(r));
const inlineImageOf = (i: number) => describes()[i]!.body.contents[0].parts.find((p: any) => p.inlineData).inlineData;
const decodedBytes = (i: number) => Buffer.from(inlineImageOf(i).data, 'base64');

async function generateText(user: User, input: Record<string, unknown> = {}) {
  const { status, body } = await t.gql(GENERATE, { input: { count: 1, ...input } }, { token: user.token });
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  return body.data.generateImages;
}

async function generateWithPhoto(user: User, photo: Uint8Array, input: Record<string, unknown> = {}) {
  const { status, body } = await t.upload(GENERATE, { input: { productImages: slots(1), count: 1, ...input } }, products([photo]), {
    token: user.token,
  });
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  return body.data.generateImages;
}

/** A failure as the user sees it: typed, refunded, FAILED, and nothing of the vendor in it. */
async function expectRefundedFailure(user: User, result: any) {
  expect(result).toMatchObject({ __typename: 'GenerationFailedError', refunded: true });
  expect(result.message).not.toMatch(/\bfal\b|flux|seedream|queue\.|http|status code|\b[45]\d\d\b|CUDA|detail|stack|\n\s+at /i);
  const { body } = await t.gql(GENERATION, { id: result.generationId }, { token: user.token });
  expect(body.data.generation).toMatchObject({ status: 'FAILED', cost: 1, images: [] });
  await expectBooks(user, 10);
}

describe('REFERENCE with every slot', () => {
  test('six photos are described at once by Gemini and sent normalised to the fal edit model, charged once', async () => {
    gemini.script({ latencyMs: 300 });
    const user = await newUser();
    const uploads = [
      await jpeg({ color: '#1155aa', width: 3000, height: 2000 }),
      await png({ color: '#aa5511', width: 900, height: 900 }),
      // a camera held sideways: EXIF orientation 6 plus GPS, stored 600×400
      await jpegWithExifOrientation(6),
      await webp({ color: '#11aa55', width: 700, height: 500 }),
    ];
    const face = await jpeg({ color: '#d2a07a', width: 400, height: 500 });
    const background = await jpeg({ color: '#335533', width: 2600, height: 1400 });
    const files: UploadFile[] = [
      ...products(uploads),
      { path: 'input.faceImage', bytes: face },
      { path: 'input.backgroundImage', bytes: background },
    ];
    const { body } = await t.upload(
      GENERATE,
      {
        input: {
          productImages: slots(4),
          faceImage: null,
          backgroundImage: null,
          count: 2,
          mode: 'REFERENCE',
          options: { modelType: 'Wanita', category: 'FASHION', pose: 'Standing Portrait', aspectRatio: '3:4' },
        },
      },
      files,
      { token: user.token },
    );
    const result = body.data.generateImages;
    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(result.generation).toMatchObject({ status: 'SUCCEEDED', mode: 'REFERENCE', cost: 2, warnings: [] });
    expect(result.remainingCoins).toBe(8);

    // Describe: six requests, all in flight together (structural, not a stopwatch); then Seedream,
    // which reports no safety flags, has each of its two images checked by the vision model.
    expect(describes()).toHaveLength(6);
    expect(gemini.requests.filter(isScreen)).toHaveLength(2);
    expect(gemini.maxInFlight).toBe(6);
    for (let i = 0; i < 6; i++) {
      const request = describes()[i]!;
      expect(request.path.endsWith('/models/gemini-3.5-flash-lite:generateContent')).toBe(true);
      expect(request.body.generationConfig.thinkingConfig).toEqual({ thinkingLevel: 'MINIMAL' });
      expect(request.headers['x-goog-api-key']).toBe(GEMINI_KEY);
      expect(inlineImageOf(i).mimeType).toBe('image/jpeg');
      const meta = await sharp(decodedBytes(i)).metadata();
      expect(meta.format).toBe('jpeg');
      expect(Math.max(meta.width, meta.height)).toBeLessThanOrEqual(1024);
    }
    expect(result.generation.descriptions.map((d: any) => d.slot)).toEqual(['PRODUCT_1', 'PRODUCT_2', 'PRODUCT_3', 'PRODUCT_4', 'FACE', 'BACKGROUND']);
    for (const d of result.generation.descriptions) expect(d.text).toMatch(/photo \(image\/jpeg, \d+ bytes\)/);

    // Generate: six storage uploads of normalised JPEGs, then one edit-model job with all six URLs.
    expect(fal.uploads).toHaveLength(6);
    const bySlot = new Map(fal.uploads.map((u) => [u.fileName, u]));
    for (const upload of fal.uploads) {
      expect(upload.contentType).toBe('image/jpeg');
      const meta = await sharp(upload.bytes!).metadata();
      expect(meta.format).toBe('jpeg');
      expect(Math.max(meta.width, meta.height)).toBeLessThanOrEqual(2048);
      expect(meta.exif).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
    }
    const sideways = await sharp(bySlot.get('product_3.jpg')!.bytes!).metadata();
    expect([sideways.width, sideways.height]).toEqual([400, 600]);
    const big = await sharp(bySlot.get('product_1.jpg')!.bytes!).metadata();
    expect([big.width, big.height]).toEqual([2048, 1365]);

    const submits = stage('submit');
    expect(submits).toHaveLength(1);
    expect(submits[0]!.path).toBe('/fal-ai/bytedance/seedream/v4.5/edit');
    expect(submits[0]!.body).toMatchObject({ num_images: 2, enable_safety_checker: true });
    // in slot order, each named by its position in the prompt
    expect(submits[0]!.body.image_urls).toEqual(
      ['product_1', 'product_2', 'product_3', 'product_4', 'face', 'background'].map((n) => bySlot.get(`${n}.jpg`)!.fileUrl),
    );
    expect(submits[0]!.body.prompt).toContain(
      "Figures 1 to 4 show the same product from different angles; Figure 5 shows the model's face; Figure 6 shows the background.",
    );
    expect(submits[0]!.body.prompt.length).toBeLessThanOrEqual(2400);

    expect(result.generation.images).toHaveLength(2);
    // our own copies, signed: they outlive fal's CDN
    fal.dropFiles();
    expect((await fetch(`${fal.url}/files/${fal.jobs[0]!.id}/0.jpeg`)).status).toBe(404);
    for (const image of result.generation.images) {
      expect(image.url).toMatch(new RegExp(`^http://localhost:4000/media/outputs/${result.generation.id}/\\d\\.jpg\\?expires=\\d+&signature=`));
      const served = await t.app.yoga.fetch(image.url);
      expect(served.status).toBe(200);
      expect(served.headers.get('cache-control')).toMatch(/^private/);
      expect(served.headers.get('content-type')).toBe('image/jpeg');
    }
    await expectBooks(user, 8);
  });

  test('a 12-megapixel upload reaches Gemini as at most 15% of its bytes', async () => {
    const user = await newUser();
    const photo = await twelveMegapixelJpeg();
    const result = await generateWithPhoto(user, photo);
    expect(result.__typename).toBe('GenerateImagesSuccess');

    expect(gemini.requests).toHaveLength(1);
    const sent = decodedBytes(0).byteLength;
    expect(sent).toBeLessThanOrEqual(0.15 * photo.byteLength);
    const meta = await sharp(decodedBytes(0)).metadata();
    expect([meta.width, meta.height]).toEqual([1024, 768]);
  });
});

describe('description cache', () => {
  test('a photo seen before costs no Gemini request; a new one costs one', async () => {
    const user = await newUser();
    const seen = await freshPhoto();
    const first = await generateWithPhoto(user, seen);
    expect(first.__typename).toBe('GenerateImagesSuccess');
    expect(gemini.requests).toHaveLength(1);
    const seenBytes = decodedBytes(0);

    gemini.reset();
    const other = await freshPhoto();
    const { body } = await t.upload(GENERATE, { input: { productImages: slots(2), count: 1 } }, products([seen, other]), { token: user.token });
    const second = body.data.generateImages;
    expect(second.__typename).toBe('GenerateImagesSuccess');

    expect(gemini.requests).toHaveLength(1);
    expect(decodedBytes(0).equals(seenBytes)).toBe(false);
    // the cached text is the one Gemini wrote for the first generation
    expect(second.generation.descriptions).toEqual([
      { slot: 'PRODUCT_1', text: first.generation.descriptions[0].text },
      { slot: 'PRODUCT_2', text: expect.stringContaining('product photo') },
    ]);
    await expectBooks(user, 8);
  });
});

describe('TEXT_TO_IMAGE', () => {
  test('one submit to flux schnell with count, the aspect ratio’s size, 4 steps and the safety checker', async () => {
    const user = await newUser();
    const result = await generateText(user, { count: 3, prompt: 'a batik shirt on a beach', options: { aspectRatio: '9:16' } });
    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(result.generation).toMatchObject({ status: 'SUCCEEDED', mode: 'TEXT_TO_IMAGE', cost: 1, count: 3 });

    const submits = stage('submit');
    expect(submits).toHaveLength(1);
    expect(submits[0]!.host).toBe('queue.fal.run');
    expect(submits[0]!.path).toBe('/fal-ai/flux/schnell');
    expect(submits[0]!.body).toMatchObject({
      num_images: 3,
      image_size: 'portrait_16_9',
      num_inference_steps: 4,
      enable_safety_checker: true,
    });
    expect(submits[0]!.body.prompt).toContain('a batik shirt on a beach');
    expect(gemini.requests).toHaveLength(0);
    expect(fal.uploads).toHaveLength(0);

    expect(result.generation.images).toHaveLength(3);
    expect(result.generation.images[0]).toMatchObject({ width: 576, height: 1024, contentType: 'image/jpeg' });
    await expectBooks(user, 9);
  });

  test('flux schnell reads no photos: only the small vision copy is made of each, never the 2048 px one', async () => {
    const photo = await jpeg({ width: 2400, height: 1800 });
    const jobs = () => imagePool.stats().started;
    const before = jobs();
    const text = await generateWithPhoto(await newUser(), photo);
    expect(text.generation).toMatchObject({ status: 'SUCCEEDED', mode: 'TEXT_TO_IMAGE' });
    const textJobs = jobs() - before;
    expect(textJobs).toBe(1); // one decode: the vision copy
    const mid = jobs();
    const reference = await generateWithPhoto(await newUser(), photo, { mode: 'REFERENCE' });
    expect(reference.generation).toMatchObject({ status: 'SUCCEEDED', mode: 'REFERENCE' });
    expect(jobs() - mid).toBeGreaterThan(textJobs); // and the reference copy the edit model reads
  });
});

describe('Gemini faults', () => {
  test('429 with Retry-After 1, then OK: described, no warning', async () => {
    gemini.script({ faults: [{ kind: '429', retryAfter: 1 }] });
    const user = await newUser();
    const result = await generateWithPhoto(user, await freshPhoto());

    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(result.generation.status).toBe('SUCCEEDED');
    expect(result.generation.warnings).toEqual([]);
    expect(result.generation.descriptions).toEqual([{ slot: 'PRODUCT_1', text: expect.stringContaining('product photo') }]);
    expect(gemini.requests.map((r) => r.fault ?? 'ok')).toEqual(['429', 'ok']);
    await expectBooks(user, 9);
  });

  test.each([
    ['500 on every try', ['500', '500', '500'] as const, 3],
    ['no answer (hang past DESCRIBE_TIMEOUT_MS and DESCRIBE_BUDGET_MS)', ['hang', 'hang', 'hang'] as const, undefined],
    ['malformed JSON', ['malformed'] as const, 1],
  ])('%s: the generation still succeeds, with a warning naming the slot, charged once', async (_, faults, requests) => {
    gemini.script({ faults: [...faults] });
    const user = await newUser();
    const result = await generateWithPhoto(user, await freshPhoto());

    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(result.generation.status).toBe('SUCCEEDED');
    expect(result.generation.descriptions).toEqual([]);
    expect(result.generation.warnings).toHaveLength(1);
    expect(result.generation.warnings[0]).toMatch(/PRODUCT_1/);
    expect(result.generation.warnings[0]).not.toMatch(/gemini|http|500/i);
    expect(result.generation.images).toHaveLength(1);
    if (requests !== undefined) expect(gemini.requests).toHaveLength(requests);
    expect(gemini.requests.every((r) => r.fault)).toBe(true);
    expect(stage('submit')).toHaveLength(1);
    await expectBooks(user, 9);
  });
});

describe('fal faults', () => {
  test('submit 500: refunded, FAILED, balance unchanged', async () => {
    fal.script({ faults: [{ at: 'submit', status: 500 }] });
    const user = await newUser();
    const result = await generateText(user);
    await expectRefundedFailure(user, result);
    expect(fal.jobs).toHaveLength(0);
  });

  test.each([
    ['the job fails', { at: 'job', error: 'CUDA out of memory on fal runner' }],
    ['the result answers 500', { at: 'result', status: 500 }],
    ['the job is rejected with a 422 ValidationError', { at: 'job', status: 422, error: 'image_size too small for flux' }],
  ] as const)('%s: refunded, FAILED, no vendor detail in the message', async (_, fault) => {
    fal.script({ faults: [fault] });
    const user = await newUser();
    const result = await generateText(user);
    await expectRefundedFailure(user, result);
    // a paid job is never submitted twice
    expect(stage('submit')).toHaveLength(1);
  });

  test('NSFW: one of two flagged → SUCCEEDED with one image and a warning, charged once', async () => {
    fal.script({ nsfw: [false, true] });
    const user = await newUser();
    const result = await generateText(user, { count: 2 });
    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(result.generation.status).toBe('SUCCEEDED');
    expect(result.generation.images).toHaveLength(1);
    expect(result.generation.images[0].url).toMatch(/\/outputs\/[\w-]+\/1\.jpg\?/);
    expect(result.generation.warnings).toEqual([expect.stringMatching(/1 image withheld by the safety filter/)]);
    await expectBooks(user, 9);
  });

  test('NSFW: every image flagged → refunded failure', async () => {
    fal.script({ nsfw: [true, true] });
    const user = await newUser();
    const result = await generateText(user, { count: 2 });
    await expectRefundedFailure(user, result);
    expect(result.message).toMatch(/safety filter/i);
  });
});

describe('fal past GENERATION_DEADLINE_MS', () => {
  // Its own app: the deadline is read from the env at start.
  let short: TestApp;
  beforeAll(async () => {
    short = await startTestApp({ ...vendorEnv(), GENERATION_DEADLINE_MS: '3000' });
  });
  afterAll(() => short?.close());

  const cases: Array<[string, FalScript]> = [
    ['the job never finishes', { latencyMs: 120_000 }],
    ['the status stream hangs', { latencyMs: 120_000, faults: [{ at: 'stream', hang: true }] }],
  ];
  test.each(cases)('%s: the job is cancelled by its request id and the coins refunded', async (_, script) => {
    fal.script(script);
    const token = await short.token(`providers-deadline-${++userSeed}`);
    const user = { token, id: (await short.gql('{ me { id } }', {}, { token })).body.data.me.id };
    const { body } = await short.gql(GENERATE, { input: { count: 1 } }, { token });
    const result = body.data.generateImages;

    expect(result).toMatchObject({ __typename: 'GenerationFailedError', refunded: true });
    expect(result.message).toMatch(/took too long/);
    expect(fal.jobs).toHaveLength(1);
    const cancels = stage('cancel');
    expect(cancels).toHaveLength(1);
    expect(cancels[0]!.path).toBe(`/fal-ai/flux/requests/${fal.jobs[0]!.id}/cancel`);
    expect(fal.jobs[0]!.cancelled).toBe(true);
    expect(stage('result')).toHaveLength(0);
    expect(await short.app.services.ledger.generation(result.generationId)).toMatchObject({
      status: 'FAILED',
      providerRequestId: fal.jobs[0]!.id,
    });
    await expectBooks(user, 10, short);
  });
});

describe('the provider request id', () => {
  test('is stored on the generation before the result is fetched', async () => {
    fal.script({ latencyMs: 1500 });
    const user = await newUser();
    const pending = generateText(user);

    await until(() => fal.jobs.length === 1, 'the fal submit');
    const issued = fal.jobs[0]!.id;
    // The generation id is not known until the mutation answers: list the RUNNING generations instead.
    const farFuture = new Date(Date.now() + 24 * 3600_000);
    let running = await t.app.services.ledger.overdue(farFuture);
    await until(async () => {
      running = await t.app.services.ledger.overdue(farFuture);
      return running.some((g) => g.providerRequestId !== null);
    }, 'the stored request id');
    expect(stage('result')).toHaveLength(0);
    expect(running).toHaveLength(1);
    expect(running[0]).toMatchObject({ userId: user.id, status: 'RUNNING', providerRequestId: issued });

    const result = await pending;
    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(result.generation.id).toBe(running[0]!.id);
    expect((await t.app.services.ledger.generation(result.generation.id))!.providerRequestId).toBe(issued);
    await expectBooks(user, 9);
  });
});

describe('cancelGeneration', () => {
  const CANCEL = `mutation($input: CancelGenerationInput!) { cancelGeneration(input: $input) {
    __typename ... on Error { message } ... on InvalidInputError { field }
    ... on CancelGenerationSuccess { remainingCoins generation { id status error } } } }`;

  test('stops a running batch: refunded at once, the fal job cancelled, the waiting request told', async () => {
    fal.script({ latencyMs: 20_000 });
    const user = await newUser();
    const pending = generateText(user);
    await until(() => fal.jobs.length === 1, 'the fal submit');
    const farFuture = new Date(Date.now() + 24 * 3600_000);
    const [running] = (await t.app.services.ledger.overdue(farFuture)).filter((g) => g.userId === user.id);

    const stranger = await newUser();
    const theirs = await t.gql(CANCEL, { input: { id: running!.id } }, { token: stranger.token });
    expect(theirs.body.data.cancelGeneration).toMatchObject({ __typename: 'InvalidInputError', field: 'id' });

    const { body } = await t.gql(CANCEL, { input: { id: running!.id } }, { token: user.token });
    expect(body.data.cancelGeneration).toMatchObject({
      __typename: 'CancelGenerationSuccess',
      remainingCoins: 10,
      generation: { id: running!.id, status: 'CANCELED' },
    });
    const result = await pending;
    expect(result).toMatchObject({ __typename: 'GenerationFailedError', refunded: true, generationId: running!.id });
    await until(() => stage('cancel').length === 1, 'the fal cancel request');
    await expectBooks(user, 10);

    const again = await t.gql(CANCEL, { input: { id: running!.id } }, { token: user.token });
    expect(again.body.data.cancelGeneration.__typename).toBe('CancelGenerationSuccess');
  });

  test('a finished batch cannot be cancelled', async () => {
    const user = await newUser();
    const done = await generateText(user);
    const { body } = await t.gql(CANCEL, { input: { id: done.generation.id } }, { token: user.token });
    expect(body.data.cancelGeneration).toMatchObject({ __typename: 'InvalidInputError', field: 'id', message: expect.stringMatching(/SUCCEEDED/) });
    await expectBooks(user, 9);
  });
});

describe('idempotency with fal', () => {
  test('the same key, concurrently and again later: one fal submit, one charge', async () => {
    fal.script({ latencyMs: 600 });
    const user = await newUser();
    const input = { prompt: 'a leather bag on marble', idempotencyKey: 'fal-order-7' };
    const [a, b] = await Promise.all([generateText(user, input), generateText(user, input)]);
    const c = await generateText(user, input);

    for (const r of [a, b, c]) {
      expect(r.__typename).toBe('GenerateImagesSuccess');
      expect(r.generation.id).toBe(a.generation.id);
      // The same images; their signed links may differ across a signing step.
      expect(r.generation.images.map((i: { url: string }) => i.url.split('?')[0])).toEqual(a.generation.images.map((i: { url: string }) => i.url.split('?')[0]));
      expect(r.remainingCoins).toBe(9);
    }
    expect(stage('submit')).toHaveLength(1);
    expect(fal.jobs).toHaveLength(1);
    await expectBooks(user, 9);
  });
});

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('what the vision model refuses, cuts or rejects', () => {
  const FACE_OR_BACKGROUND = /face shape|recreate the setting/;

  test('a SAFETY-blocked face and background are never given to the image model: not in image_urls, not named; the warnings say so', async () => {
    gemini.script({ reply: (r) => (FACE_OR_BACKGROUND.test(textOf(r)) ? { finishReason: 'SAFETY' } : isScreen(r) ? 'SAFE' : `A tan leather tote stamped "KIRANA" (${r.body.contents[0].parts.length} parts).`) });
    const user = await newUser();
    const files: UploadFile[] = [
      ...products([await freshPhoto(), await freshPhoto()]),
      { path: 'input.faceImage', bytes: await freshPhoto() },
      { path: 'input.backgroundImage', bytes: await freshPhoto() },
    ];
    const { body } = await t.upload(
      GENERATE,
      { input: { productImages: slots(2), faceImage: null, backgroundImage: null, count: 1, mode: 'REFERENCE', options: { modelType: 'WOMAN', category: 'BAGS' } } },
      files,
      { token: user.token },
    );
    const result = body.data.generateImages;
    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(result.generation.descriptions.map((d: any) => d.slot)).toEqual(['PRODUCT_1', 'PRODUCT_2']);
    expect(result.generation.warnings).toEqual([
      'FACE was refused by the photo checker\'s safety filter: it was left out and not sent to the image model.',
      'BACKGROUND was refused by the photo checker\'s safety filter: it was left out and not sent to the image model.',
    ]);
    // Every copy was staged on fal storage while Gemini read (the verdict came after); only the taken ones are used.
    expect(fal.uploads.map((u) => u.fileName)).toEqual(expect.arrayContaining(['product_1.jpg', 'product_2.jpg']));
    const submit = stage('submit')[0]!;
    expect(submit.body.image_urls).toEqual(['product_1.jpg', 'product_2.jpg'].map((n) => fal.uploads.find((u) => u.fileName === n)!.fileUrl));
    expect(submit.body.prompt).toContain('Figures 1 to 2 show the same product from different angles.');
    expect(submit.body.prompt).not.toMatch(/Figure 3|face matches/);
    expect(submit.body.prompt).toContain('"KIRANA"');
    await expectBooks(user, 8);
  });

  test('a description cut at MAX_TOKENS twice is used only up to its last whole sentence, with a warning', async () => {
    const long = 'The bag has a gold clasp stamped "KIRANA" and white stitching along its rolled handles. '.repeat(30).trim();
    gemini.script({ reply: () => long });
    const user = await newUser();
    const result = await generateWithPhoto(user, await freshPhoto());
    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(gemini.requests.map((r) => r.body.generationConfig.maxOutputTokens)).toEqual([200, 400]);
    const [description] = result.generation.descriptions;
    expect(description.text.endsWith('handles.')).toBe(true);
    expect(long.startsWith(description.text)).toBe(true);
    expect(result.generation.warnings).toEqual([expect.stringMatching(/^PRODUCT_1: its description was cut at the length limit/)]);
    const prompt = stage('submit')[0]!.body.prompt as string;
    expect(prompt.length).toBeLessThanOrEqual(1000);
    expect(prompt).toMatch(/\.$/);
    await expectBooks(user, 9);
  });

  test('TEXT_TO_IMAGE: a 400 on every describe call fails the batch with a refund; fal is never called', async () => {
    gemini.script({ faults: ['400', '400'] });
    const user = await newUser();
    const { body } = await t.upload(GENERATE, { input: { productImages: slots(2), count: 1 } }, products([await freshPhoto(), await freshPhoto()]), { token: user.token });
    const result = body.data.generateImages;
    await expectRefundedFailure(user, result);
    expect(result.message).toMatch(/could not be analysed/);
    expect(gemini.requests).toHaveLength(2);
    expect(stage('submit')).toHaveLength(0);
  });
});

describe('REFERENCE output safety (Seedream reports no has_nsfw_concepts)', () => {
  test('the vision model flags one of two images: one delivered, one withheld with a warning', async () => {
    let screens = 0;
    gemini.script({ reply: (r) => (isScreen(r) ? (++screens === 1 ? 'UNSAFE' : 'SAFE') : 'A tan leather tote.') });
    const user = await newUser();
    const result = await generateWithPhoto(user, await freshPhoto(), { mode: 'REFERENCE', count: 2 });
    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(fal.jobs[0]!.result).not.toHaveProperty('has_nsfw_concepts');
    expect(gemini.requests.filter(isScreen)).toHaveLength(2);
    expect(result.generation.images).toHaveLength(1);
    expect(result.generation.warnings).toEqual(['1 image withheld by the safety filter']);
    await expectBooks(user, 8);
  });

  test('every image flagged: refunded failure', async () => {
    gemini.script({ reply: (r) => (isScreen(r) ? 'UNSAFE' : 'A tan leather tote.') });
    const user = await newUser();
    const result = await generateWithPhoto(user, await freshPhoto(), { mode: 'REFERENCE', count: 2 });
    expect(result).toMatchObject({ __typename: 'GenerationFailedError', refunded: true, message: expect.stringMatching(/safety filter/) });
    await expectBooks(user, 10);
  });
});

describe('older model ids by configuration, and the prompt writer', () => {
  let old: TestApp;
  beforeAll(async () => {
    old = await startTestApp({
      ...vendorEnv(),
      GEMINI_MODEL: 'gemini-2.5-flash-lite',
      GEMINI_PROMPT_MODEL: 'gemini-2.5-flash-lite',
      FAL_EDIT_MODEL: 'fal-ai/bytedance/seedream/v4/edit',
      PROMPT_WRITER: 'gemini',
      PROMPT_WRITER_TIMEOUT_MS: '2000',
    });
  });
  afterAll(() => old?.close());

  async function run(input: Record<string, unknown>, files: UploadFile[] = []) {
    const token = await old.token(`providers-old-${++userSeed}`);
    const { body } = files.length
      ? await old.upload(GENERATE, { input: { count: 1, ...input } }, files, { token })
      : await old.gql(GENERATE, { input: { count: 1, ...input } }, { token });
    return body.data.generateImages;
  }
  const writes = () => gemini.requests.filter((r) => textOf(r).includes('Draft (correct'));

  test('gemini-2.5-flash-lite gets thinkingBudget 0 and the v4 edit model still works; the one vision call writes the prompt', async () => {
    const result = await run({ mode: 'REFERENCE', productImages: slots(1), prompt: 'di atas meja marmer' }, products([await freshPhoto()]));
    expect(result.__typename).toBe('GenerateImagesSuccess');
    // A new photo: described and the prompt written in one call (vision-step.ts), no separate writer call.
    const vision = gemini.requests.filter(isVisionStep);
    expect(vision).toHaveLength(1);
    expect(vision[0]!.path).toMatch(/gemini-2\.5-flash-lite:generateContent$/);
    expect(vision[0]!.body.generationConfig.thinkingConfig).toEqual({ thinkingBudget: 0 });
    expect(textOf(vision[0]!)).toContain('di atas meja marmer');
    expect(writes()).toHaveLength(0);
    expect(stage('submit')[0]!.path).toBe('/fal-ai/bytedance/seedream/v4/edit');
    // the fake hands the draft back as the prompt: the prompt sent is the vision call's answer
    expect(stage('submit')[0]!.body.prompt).toContain('Figure 1 shows the product.');
  });

  test.each([
    ['answers 500', { faults: ['500' as const] }],
    ['answers past its budget', { reply: () => 'A batik shirt. '.repeat(200) }],
    ['never answers in PROMPT_WRITER_TIMEOUT_MS', { faults: ['hang' as const] }],
  ])('a writer that %s: the composed prompt is used and the batch succeeds', async (_, script) => {
    gemini.script(script);
    const result = await run({ prompt: 'a batik shirt on a beach' });
    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(result.generation.status).toBe('SUCCEEDED');
    expect(writes()).toHaveLength(1);
    const prompt = stage('submit')[0]!.body.prompt as string;
    expect(prompt).toMatch(/^Professional e-commerce campaign photo/);
    expect(prompt).toContain("Seller's direction: a batik shirt on a beach.");
    expect(prompt.length).toBeLessThanOrEqual(1000);
  });
});
