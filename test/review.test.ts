// Every output reviewed against the seller's photos: faithful outputs pass; recoloured, blank and
// wrong-aspect ones are flagged with the right kind and made again once, free; a batch where nothing
// passes is refunded, its images shown; on the Gemini wire fake the review is a structured answer
// (TEXT_CHANGED from the texts read, UNSAFE withheld, a malformed or late answer UNCHECKED).
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMeasuredChecks } from '../src/adapters/review/measure.js';
import { createLocalGenerator } from '../src/adapters/generate/local.js';
import type { GenerateRequest, Generator, VisionImage } from '../src/studio/ports.js';
import { FAITHFUL_REVIEW, isReview, startGeminiFake, type GeminiFake } from './fakes/gemini.js';
import { startTestApp, type TestApp, type UploadFile } from './helpers/app.js';
import { expectBooksBalancedAfterEach } from './helpers/books.js';

const GENERATE = `mutation($input: GenerateImagesInput!) { generateImages(input: $input) {
  __typename
  ... on GenerateImagesSuccess { remainingCoins generation { id status warnings images { width height review { verdict score issues { kind detail } } } } }
  ... on GenerationFailedError { message refunded generationId }
} }`;
const IMAGES = `query($id: ID!) { generation(id: $id) { status error warnings images { width height review { verdict issues { kind detail } } } } }`;

/** A product photo as sellers take them: a brown bag on a light backdrop. */
async function productPhoto(colour = '#884422'): Promise<Uint8Array> {
  const bag = await sharp({ create: { width: 260, height: 200, channels: 3, background: colour } }).png().toBuffer();
  return new Uint8Array(
    await sharp({ create: { width: 640, height: 480, channels: 3, background: '#f2f2f0' } })
      .composite([{ input: bag, left: 190, top: 140 }])
      .jpeg({ quality: 92 })
      .toBuffer(),
  );
}

/** The local generator, with what a bad model does to some of its calls (to the `first` images of each). */
function flawed(flaw: (bytes: Buffer, request: GenerateRequest) => Promise<Buffer>, calls: number[] = [1], first = Infinity): Generator & { calls: number } {
  const local = createLocalGenerator();
  const generator = {
    ...local,
    calls: 0,
    async generate(request: GenerateRequest) {
      const call = ++generator.calls;
      const result = await local.generate(request);
      if (!calls.includes(call)) return result;
      const images = await Promise.all(
        result.images.map(async (image, i) => {
          if (i >= first) return image;
          const bytes = await flaw(Buffer.from(image.bytes!), request);
          const meta = await sharp(bytes).metadata();
          return { ...image, bytes: new Uint8Array(bytes), width: meta.width!, height: meta.height! };
        }),
      );
      return { ...result, images };
    },
  };
  return generator;
}

const recolour = (bytes: Buffer) => sharp(bytes).modulate({ hue: 180, saturation: 1.6 }).jpeg().toBuffer();
const blank = (bytes: Buffer) => sharp(bytes).metadata().then((m) => sharp({ create: { width: m.width!, height: m.height!, channels: 3, background: '#e4e4e4' } }).jpeg().toBuffer());
const square = (bytes: Buffer) => sharp(bytes).resize(1024, 1024, { fit: 'fill' }).jpeg().toBuffer();

describe('the measured layer', () => {
  const vision = async (bytes: Uint8Array): Promise<VisionImage> => {
    const m = await sharp(bytes).metadata();
    return {
      slot: 'PRODUCT_1',
      kind: 'product',
      sourceFormat: 'jpeg',
      sourceBytes: bytes.byteLength,
      sourceWidth: m.width!,
      sourceHeight: m.height!,
      vision: { bytes, contentType: 'image/jpeg', width: m.width!, height: m.height!, sha256: '' },
    };
  };
  const subject = async (bytes: Buffer, aspect = 1) => {
    const m = await sharp(bytes).metadata();
    return { image: { bytes: new Uint8Array(bytes), width: m.width!, height: m.height!, contentType: 'image/jpeg' }, products: [], face: null, aspect };
  };

  test('a scene with the product passes; recoloured, blank, empty and wrong-aspect outputs are each named', async () => {
    const photo = await productPhoto();
    const check = await createMeasuredChecks().against([await vision(photo)]);
    const scene = await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#d8c3a5' } })
      .composite([{ input: await sharp(photo).resize(600).toBuffer(), left: 200, top: 250 }])
      .jpeg()
      .toBuffer();
    expect(await check(await subject(scene))).toEqual([]);
    expect((await check(await subject(await recolour(scene)))).map((i) => i.kind)).toEqual(['COLOUR_CHANGED']);
    expect((await check(await subject(await blank(scene)))).map((i) => i.kind)).toEqual(['PRODUCT_MISSING']);
    const empty = await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#d8c3a5' } })
      .composite([{ input: Buffer.from('<svg width="1024" height="1024"><rect width="100%" height="100%" fill="#fff" fill-opacity="0.2"/></svg>') }])
      .jpeg()
      .toBuffer();
    expect((await check(await subject(empty))).map((i) => i.kind)).toEqual(['PRODUCT_MISSING']);
    expect((await check(await subject(scene, 9 / 16))).map((i) => i.kind)).toEqual(['WRONG_ASPECT']);
  });
});

describe('reviews in a batch (offline default: the measured layer)', () => {
  const apps: TestApp[] = [];
  afterAll(() => Promise.all(apps.map((a) => a.close())));
  const app = async (generator?: Generator, env: Record<string, string> = {}) => {
    const t = await startTestApp(env, generator ? { generator } : {});
    apps.push(t);
    return t;
  };
  const run = async (t: TestApp, user: string, input: Record<string, unknown> = {}) => {
    const files: UploadFile[] = [{ path: 'input.productImages.0', bytes: await productPhoto() }];
    const token = await t.token(user);
    const { body } = await t.upload(GENERATE, { input: { productImages: [null], count: 2, ...input } }, files, { token });
    return { result: body.data.generateImages, token };
  };
  let current: TestApp | undefined;
  expectBooksBalancedAfterEach(() => current?.app.services.ledger);

  test('the local generator places the real product: every image passes', async () => {
    current = await app();
    const { result } = await run(current, 'faithful');
    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(result.generation.images.map((i: any) => i.review)).toEqual([
      { verdict: 'PASS', score: 100, issues: [] },
      { verdict: 'PASS', score: 100, issues: [] },
    ]);
  });

  test('a recoloured batch is flagged COLOUR_CHANGED and made again once, free: the re-make passes', async () => {
    const generator = flawed(recolour);
    current = await app(generator);
    const { result } = await run(current, 'recoloured');
    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(generator.calls).toBe(2);
    expect(result.remainingCoins).toBe(9);
    expect(result.generation.images.map((i: any) => i.review.verdict)).toEqual(['PASS', 'PASS']);
    expect(result.generation.warnings).toContain('2 images failed the review and were made again at no charge.');
  });

  test('a model answering another ratio: the output is cropped to the ratio asked, with a warning, and passes without a re-make', async () => {
    // (Every model's output is held to the asked ratio before the review: issue 19. The measured
    // layer's WRONG_ASPECT is still named for an image that reaches it, above.)
    const generator = flawed(square, [1, 2]);
    current = await app(generator);
    const { result } = await run(current, 'square', { options: { aspectRatio: 'RATIO_9_16' }, count: 1 });
    expect(generator.calls).toBe(1);
    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(result.generation.images[0].width / result.generation.images[0].height).toBeCloseTo(9 / 16, 1);
    expect(result.generation.images.map((i: any) => i.review.verdict)).toEqual(['PASS']);
    expect(result.generation.warnings.join(' ')).toMatch(/cropped to/);
  });

  test('a blank batch: PRODUCT_MISSING, re-made once, still blank: refunded exactly once, images shown', async () => {
    const generator = flawed(blank, [1, 2]);
    current = await app(generator);
    const { result, token } = await run(current, 'blank');
    expect(generator.calls).toBe(2);
    expect(result).toMatchObject({ __typename: 'GenerationFailedError', refunded: true });
    const seen = (await current.gql(IMAGES, { id: result.generationId }, { token })).body.data.generation;
    expect(seen.images).toHaveLength(2);
    expect(seen.images.every((i: any) => i.review.verdict === 'FAIL' && i.review.issues[0].kind === 'PRODUCT_MISSING')).toBe(true);
    expect(seen.error).toMatch(/No image passed the review/);
    const userId = (await current.gql('{ me { id coinsBalance } }', {}, { token })).body.data.me;
    expect(userId.coinsBalance).toBe(10);
  });

  test('remakeImage: one free job per failed image; a better image takes its place; asked again, the same job', async () => {
    // The first image is recoloured in the batch and in its automatic re-make: delivered FAIL, the
    // second passes, the batch is paid. remakeImage's own call is faithful.
    const generator = flawed(recolour, [1, 2], 1);
    current = await app(generator);
    const { result, token } = await run(current, 'remake', { exports: ['SHOPEE'] });
    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(result.generation.images.map((i: any) => i.review.verdict)).toEqual(['FAIL', 'PASS']);
    const EXPORTS = `query($id: ID!) { generation(id: $id) { images { url exports { preset url } } } }`;
    const exportsBefore = (await current.gql(EXPORTS, { id: result.generation.id }, { token })).body.data.generation.images[0].exports;
    const REMAKE = `mutation($input: RemakeImageInput!) { remakeImage(input: $input) {
      __typename ... on RemakeImageSuccess { remake { id status imageId } } ... on InvalidInputError { field message } } }`;
    const READ = `query($id: ID!) { remake(id: $id) { status generation { images { id review { verdict } } } } }`;
    const ids = (await current.gql(`query($id: ID!) { generation(id: $id) { images { id } } }`, { id: result.generation.id }, { token })).body.data.generation.images.map((i: any) => i.id);
    expect(ids).toEqual([`${result.generation.id}:1`, `${result.generation.id}:2`]);

    const askedBody = (await current.gql(REMAKE, { input: { imageId: ids[0] } }, { token })).body;
    const asked = askedBody.data?.remakeImage ?? askedBody;
    expect(asked, JSON.stringify(asked)).toMatchObject({ __typename: "RemakeImageSuccess" });
    let seen: any;
    for (let i = 0; i < 400 && seen?.status !== 'SUCCEEDED'; i++) {
      seen = (await current.gql(READ, { id: asked.remake.id }, { token })).body.data.remake;
      if (seen.status !== 'SUCCEEDED') await new Promise((r) => setTimeout(r, 50)); // polls the job's row
    }
    expect(seen.status).toBe('SUCCEEDED');
    expect(seen.generation.images.map((i: any) => i.review.verdict)).toEqual(['PASS', 'PASS']);
    expect(generator.calls).toBe(3);
    // The replacement is exported to the same presets, from its own bytes.
    const exportsAfter = (await current.gql(EXPORTS, { id: result.generation.id }, { token })).body.data.generation.images[0].exports;
    expect(exportsAfter.map((e: any) => e.preset)).toEqual(['SHOPEE']);
    expect(exportsAfter[0].url).toMatch(/1-shopee-remake\.jpg/);
    expect(exportsBefore[0].url).not.toMatch(/remake/);

    const again = (await current.gql(REMAKE, { input: { imageId: ids[0] } }, { token })).body.data.remakeImage;
    expect(again.remake.id).toBe(asked.remake.id);
    expect(generator.calls).toBe(3);
    const passed = (await current.gql(REMAKE, { input: { imageId: ids[1] } }, { token })).body.data.remakeImage;
    expect(passed).toMatchObject({ __typename: 'InvalidInputError', field: 'imageId' });
    const stranger = await current.token('stranger');
    const notYours = (await current.gql(REMAKE, { input: { imageId: ids[0] } }, { token: stranger })).body.data.remakeImage;
    expect(notYours).toMatchObject({ __typename: 'InvalidInputError', message: 'No such image.' });
    expect((await current.gql('{ me { coinsBalance } }', {}, { token })).body.data.me.coinsBalance).toBe(9);
  });

  test('REVIEW_REMAKES=0: a failing image is delivered flagged without another generator call', async () => {
    const generator = flawed(recolour, [1]);
    current = await app(generator, { REVIEW_REMAKES: '0' });
    const { result } = await run(current, 'no-remakes');
    expect(generator.calls).toBe(1);
    expect(result.__typename).toBe('GenerationFailedError');
  });
});

describe('the Gemini review on the wire fake', () => {
  let gemini: GeminiFake;
  let t: TestApp;
  beforeAll(async () => {
    gemini = await startGeminiFake();
    // Only the review talks to Gemini here: the photos are described and the prompt composed locally.
    t = await startTestApp({ GEMINI_API_KEY: 'test-key', GEMINI_BASE_URL: gemini.url, DESCRIBER: 'local', PROMPT_WRITER: 'local', REVIEW_TIMEOUT_MS: '1500' });
  });
  afterAll(async () => {
    await t?.close();
    await gemini?.close();
  });
  expectBooksBalancedAfterEach(() => t?.app.services.ledger);

  const run = async (user: string) => {
    const token = await t.token(user);
    const files: UploadFile[] = [{ path: 'input.productImages.0', bytes: await productPhoto() }];
    return (await t.upload(GENERATE, { input: { productImages: [null], count: 1 } }, files, { token })).body.data.generateImages;
  };
  const answer = (review: (n: number) => string | { finishReason: 'SAFETY' }) => {
    let n = 0;
    gemini.reset();
    gemini.script({ reply: () => review(++n) });
  };

  test('one structured call per image, with the product photo and the output; a faithful answer passes with its score', async () => {
    answer(() => JSON.stringify(FAITHFUL_REVIEW));
    const result = await run('g-faithful');
    expect(result.generation.images[0].review).toEqual({ verdict: 'PASS', score: 92, issues: [] });
    const reviews = gemini.requests.filter(isReview);
    expect(reviews).toHaveLength(1);
    expect(reviews[0]!.body.generationConfig.responseMimeType).toBe('application/json');
    expect(reviews[0]!.body.generationConfig.responseSchema.properties.textOnOutput).toBeDefined();
    expect(reviews[0]!.body.contents[0].parts.filter((p: any) => p.inlineData)).toHaveLength(2);
  });

  test('TEXT_CHANGED comes from the texts read, compared as strings; the re-make that reads right passes', async () => {
    answer((n) => JSON.stringify({ ...FAITHFUL_REVIEW, textOnProduct: ['KIRANA'], textOnOutput: [n === 1 ? 'KIRANNA' : 'Kirana'], score: n === 1 ? 40 : 90 }));
    const result = await run('g-text');
    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(result.generation.images[0].review.verdict).toBe('PASS');
    expect(gemini.requests.filter(isReview)).toHaveLength(2);
    expect(result.generation.warnings).toContain('1 image failed the review and was made again at no charge.');
  });

  test('an image judged UNSAFE (twice) is never delivered; nothing left: refunded', async () => {
    answer(() => JSON.stringify({ ...FAITHFUL_REVIEW, unsafe: true, score: 0 }));
    const result = await run('g-unsafe');
    expect(result).toMatchObject({ __typename: 'GenerationFailedError', refunded: true, message: 'Every image was withheld by the safety filter.' });
    // A safety block of the output is the same verdict.
    answer(() => ({ finishReason: 'SAFETY' }));
    expect(await run('g-blocked')).toMatchObject({ __typename: 'GenerationFailedError', refunded: true });
  });

  test('an answer that is not the structured one, a rejected request and no answer in time leave the image UNCHECKED, delivered and charged', async () => {
    for (const [user, fault] of [['g-malformed', null], ['g-rejected', '400'], ['g-late', 'hang']] as const) {
      answer(() => '{"productPresent": tru');
      if (fault) gemini.script({ faults: [fault] });
      const result = await run(user);
      expect(result.__typename).toBe('GenerateImagesSuccess');
      expect(result.generation.images[0].review).toEqual({ verdict: 'UNCHECKED', score: null, issues: [] });
      expect(result.generation.warnings).toContain('Image 1 could not be checked against your photos: the review gave no usable answer.');
    }
  });
});
