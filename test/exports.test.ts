// Marketplace exports: made in the generation job (GenerateImagesInput.exports) or by exportImage (a job
// of its own kind), fitted and padded (never cropped, never upscaled), under the byte cap, stored
// privately, and measured: a lifestyle image reports the white-background rule failed. Another seller's
// image, an unknown preset: a typed InvalidInputError, no coin moved. A priced export is debited once.
// Every model's output of another ratio than asked is cropped to it, with a warning.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLocalGenerator } from '../src/adapters/generate/local.js';
import { createSharpListingImages } from '../src/adapters/listing/sharp.js';
import { PRESET_RULES } from '../src/studio/marketplace-presets.js';
import type { GenerateRequest, Generator } from '../src/studio/ports.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectBooksBalancedAfterEach } from './helpers/books.js';
import { jpeg, lifestyleScene } from './helpers/images.js';

const IMAGE_FIELDS = `id width height exports { preset url width height bytes contentType compliance { rule passed measured expected } warnings }`;
const GENERATE = `mutation($input: GenerateImagesInput!) { generateImages(input: $input) {
  __typename
  ... on GenerateImagesSuccess { remainingCoins generation { id status warnings images { ${IMAGE_FIELDS} } } }
} }`;
const EXPORT = `mutation($input: ExportImageInput!) { exportImage(input: $input) {
  __typename
  ... on ExportImageSuccess { job { id status preset imageId cost error image { ${IMAGE_FIELDS} } } }
  ... on InvalidInputError { field message }
  ... on InsufficientCoinsError { required balance }
} }`;
const BALANCE = `{ me { coinsBalance } }`;

type Check = { rule: string; passed: boolean; measured: string };
const rule = (checks: Check[], name: string) => checks.find((c) => c.rule === name)!;
const listing = createSharpListingImages();

describe('compliance of known images', () => {
  test('a lifestyle scene exported to a white-background preset fails the background rule, and says what it measured', async () => {
    const made = await listing.exportTo(await lifestyleScene(), PRESET_RULES.TOKOPEDIA);
    const checks = await listing.measure(made.bytes, PRESET_RULES.TOKOPEDIA);
    expect(rule(checks, 'BACKGROUND')).toMatchObject({ passed: false });
    expect(rule(checks, 'BACKGROUND').measured).toMatch(/% of the border white/);
    expect(rule(checks, 'SIZE').passed).toBe(true);
    expect(rule(checks, 'ASPECT').passed).toBe(true);
    // Google Shopping recommends white without requiring it: measured and told, not failed.
    expect(rule(await listing.measure(made.bytes, PRESET_RULES.GOOGLE_SHOPPING), 'BACKGROUND').passed).toBe(true);
  });

  test('a wide image is padded with white to a square, not cropped; a small one is not upscaled and fails the size rule', async () => {
    const wide = await jpeg({ width: 1600, height: 800, color: '#225588' });
    const made = await listing.exportTo(wide, PRESET_RULES.SHOPEE);
    expect([made.width, made.height]).toEqual([1024, 1024]);
    const { data, info } = await sharp(made.bytes).raw().toBuffer({ resolveWithObject: true });
    expect(Math.min(...data.subarray(0, 3))).toBeGreaterThanOrEqual(250); // the padding, top left
    const centre = ((info.height / 2) * info.width + info.width / 2) * info.channels;
    expect(data[centre + 2]).toBeGreaterThan(100); // the image itself, whole, in the middle

    const small = await listing.exportTo(await jpeg({ width: 400, height: 300 }), PRESET_RULES.TIKTOK_SHOP);
    expect([small.width, small.height]).toEqual([400, 400]);
    expect(small.warnings.join(' ')).toMatch(/not enlarged/);
    expect(rule(await listing.measure(small.bytes, PRESET_RULES.TIKTOK_SHOP), 'SIZE')).toMatchObject({ passed: false, measured: '400×400' });
  });

  test('an export is compressed under the byte cap', async () => {
    const noisy = await sharp({ create: { width: 2400, height: 2400, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).jpeg({ quality: 100 }).toBuffer();
    const made = await listing.exportTo(noisy, PRESET_RULES.SHOPEE);
    expect(made.bytes.byteLength).toBeLessThanOrEqual(PRESET_RULES.SHOPEE.maxBytes);
    expect(rule(await listing.measure(made.bytes, PRESET_RULES.SHOPEE), 'BYTES').passed).toBe(true);
  });
});

describe('exports on the app', () => {
  let t: TestApp;
  let token: string;
  expectBooksBalancedAfterEach(() => t?.app.services.ledger);
  // The local generator, answering squares whatever ratio is asked (as Seedream does without a size).
  const squares: Generator = (() => {
    const local = createLocalGenerator();
    return {
      ...local,
      async generate(request: GenerateRequest) {
        const result = await local.generate(request);
        const images = await Promise.all(
          result.images.map(async (i) => ({ ...i, width: 1024, height: 1024, bytes: new Uint8Array(await sharp(i.bytes!).resize(1024, 1024, { fit: 'fill' }).jpeg().toBuffer()) })),
        );
        return { ...result, images };
      },
    };
  })();

  beforeAll(async () => {
    t = await startTestApp({ PRICE_EXPORT: '1', REVIEW_REMAKES: '0' }, { generator: squares });
    token = await t.token('export-seller');
  });
  afterAll(async () => t?.close());

  const generate = async (input: Record<string, unknown>, as = token) => {
    const res = await t.upload(GENERATE, { input: { productImages: [null], count: 1, ...input } }, [{ path: 'input.productImages.0', bytes: await lifestyleScene(800, 600) }], { token: as });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.generateImages.__typename).toBe('GenerateImagesSuccess');
    return res.body.data.generateImages.generation;
  };

  test('a 16:9 batch from a model that answers squares is cropped to 16:9, with a warning', async () => {
    const g = await generate({ options: { aspectRatio: '16:9' } });
    expect(g.images[0].width / g.images[0].height).toBeCloseTo(16 / 9, 1);
    expect(g.warnings.join(' ')).toMatch(/cropped to/);
  });

  test('exports asked in the request are made in the job; a scene fails the white-background rule', async () => {
    const g = await generate({ exports: ['TOKOPEDIA', 'GOOGLE_SHOPPING'] });
    const [image] = g.images;
    expect(image.exports.map((e: { preset: string }) => e.preset)).toEqual(['TOKOPEDIA', 'GOOGLE_SHOPPING']);
    const tokopedia = image.exports[0];
    expect(tokopedia.width).toBe(tokopedia.height);
    expect(rule(tokopedia.compliance, 'BACKGROUND').passed).toBe(false);
    expect(rule(tokopedia.compliance, 'FORMAT').passed).toBe(true);
  });

  test('exportImage makes one export as a priced job, once per image and preset; the report says the background failed', async () => {
    const g = await generate({});
    const imageId = g.images[0].id;
    const before = (await t.gql(BALANCE, {}, { token })).body.data.me.coinsBalance;
    const res = await t.gql(EXPORT, { input: { imageId, preset: 'AMAZON' } }, { token });
    expect(res.body.errors).toBeUndefined();
    const { job } = res.body.data.exportImage;
    expect(job).toMatchObject({ status: 'SUCCEEDED', preset: 'AMAZON', imageId, cost: 1, error: null });
    const amazon = job.image.exports.find((e: { preset: string }) => e.preset === 'AMAZON');
    expect(rule(amazon.compliance, 'BACKGROUND').passed).toBe(false);
    expect((await t.gql(BALANCE, {}, { token })).body.data.me.coinsBalance).toBe(before - 1);

    // Asked again: the same job, not a second charge.
    const again = await t.gql(EXPORT, { input: { imageId, preset: 'AMAZON' } }, { token });
    expect(again.body.data.exportImage.job.id).toBe(job.id);
    expect((await t.gql(BALANCE, {}, { token })).body.data.me.coinsBalance).toBe(before - 1);
  });

  test('a priced export that fails (its image is no longer stored) is refunded exactly once', async () => {
    const g = await generate({});
    await t.app.services.storage.removePrefix(`outputs/${g.id}/`);
    const before = (await t.gql(BALANCE, {}, { token })).body.data.me.coinsBalance;
    const res = await t.gql(EXPORT, { input: { imageId: g.images[0].id, preset: 'LAZADA' } }, { token });
    expect(res.body.data.exportImage.job).toMatchObject({ status: 'FAILED', error: 'The image of this export is no longer stored.' });
    expect((await t.gql(BALANCE, {}, { token })).body.data.me.coinsBalance).toBe(before);
    const { rows } = await (t.app.services.ledger as unknown as { db: { query: (sql: string, p: unknown[]) => Promise<{ rows: Array<{ kind: string }> }> } }).db.query(
      'select kind from public.coin_ledger where export_id = $1 order by id',
      [res.body.data.exportImage.job.id],
    );
    expect(rows.map((r) => r.kind)).toEqual(['debit', 'refund']);
    // A failed export may be asked again (a new job).
    const again = await t.gql(EXPORT, { input: { imageId: g.images[0].id, preset: 'LAZADA' } }, { token });
    expect(again.body.data.exportImage.job.id).not.toBe(res.body.data.exportImage.job.id);
  });

  test("another seller's image, a malformed id and an unknown preset are InvalidInputErrors and cost nothing", async () => {
    const g = await generate({});
    const other = await t.token('someone-else');
    const before = (await t.gql(BALANCE, {}, { token: other })).body.data.me.coinsBalance;
    const res = await t.gql(EXPORT, { input: { imageId: g.images[0].id, preset: 'SHOPEE' } }, { token: other });
    expect(res.body.data.exportImage).toMatchObject({ __typename: 'InvalidInputError', field: 'imageId' });
    const malformed = await t.gql(EXPORT, { input: { imageId: 'nope', preset: 'SHOPEE' } }, { token: other });
    expect(malformed.body.data.exportImage).toMatchObject({ __typename: 'InvalidInputError', field: 'imageId' });
    // The enum refuses a name it does not know before any resolver runs; the studio, for other callers, as a typed error.
    const unknown = await t.gql(EXPORT, { input: { imageId: g.images[0].id, preset: 'EBAY' } }, { token });
    expect(unknown.body.errors?.[0]?.message).toMatch(/EBAY/);
    await expect(t.app.services.exports.exportImage('export-seller', g.images[0].id, 'EBAY')).rejects.toMatchObject({ field: 'preset' });
    expect((await t.gql(BALANCE, {}, { token: other })).body.data.me.coinsBalance).toBe(before);
  });
});
