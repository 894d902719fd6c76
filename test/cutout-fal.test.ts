// The fal background-removal models on the wire-level fake (test/fakes/fal.ts, fal-cutout.ts) through
// the real @fal-ai/client: each profiled model is sent what its page asks, the transparent PNG comes
// back and the packshot is made from it. A 422 (the model refused the photo) and a timeout
// (CUTOUT_TIMEOUT_MS) fail the batch and refund it exactly once; the timed-out fal job is cancelled.
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { SqlLedger } from '../src/adapters/ledger/sql-ledger.js';
import { CUTOUT_PROFILES } from '../src/adapters/cutout/fal.js';
import { startFalFake, type FalFake } from './fakes/fal.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectBooksBalancedAfterEach } from './helpers/books.js';
import { productOnColour } from './helpers/images.js';

const FAL_KEY = 'cutout-test-key';
const GENERATE = `mutation($input: GenerateImagesInput!) { generateImages(input: $input) {
  __typename
  ... on GenerateImagesSuccess { generation { id status cost images { width height cutoutUrl exports { preset compliance { rule passed } } } } }
  ... on GenerationFailedError { message refunded generationId }
} }`;

let fal: FalFake;
let t: TestApp | undefined;
beforeAll(async () => {
  fal = await startFalFake({ key: FAL_KEY });
});
afterAll(() => fal?.close());
beforeEach(() => fal.reset());
afterEach(async () => {
  await t?.close();
  t = undefined;
});
expectBooksBalancedAfterEach(() => t?.app.services.ledger);

const open = async (extra: Record<string, string> = {}) => {
  t = await startTestApp({ GENERATOR: 'local', VIDEO: 'local', CUTOUT: 'fal', FAL_KEY, FAL_BASE_URL: fal.url, CUTOUT_TIMEOUT_MS: '1500', ...extra });
  return { app: t, token: await t.token('cutout-seller') };
};
const packshot = async (app: TestApp, token: string, exports: string[] = []) => {
  const res = await app.upload(GENERATE, { input: { productImages: [null], mode: 'PACKSHOT', exports } }, [{ path: 'input.productImages.0', bytes: await productOnColour('#e9c46a') }], { token });
  expect(res.body.errors).toBeUndefined();
  return res.body.data.generateImages;
};
const ledgerKinds = async (app: TestApp, generationId: string) =>
  (await (app.app.services.ledger as SqlLedger).db.query<{ kind: string }>('select kind from public.coin_ledger where generation_id = $1 order by id', [generationId])).rows.map((r) => r.kind);

describe.each(CUTOUT_PROFILES.map((p) => p.id))('%s', (model) => {
  test('cuts the product out and the packshot passes TOKOPEDIA', async () => {
    const { app, token } = await open({ CUTOUT_MODEL: model });
    const out = await packshot(app, token, ['TOKOPEDIA']);
    expect(out.__typename).toBe('GenerateImagesSuccess');
    const [image] = out.generation.images;
    expect(image.width).toBe(image.height);
    expect(image.cutoutUrl).toBeTruthy();
    expect(image.exports[0].compliance.filter((c: { passed: boolean }) => !c.passed)).toEqual([]);
    // What went over the wire: the photo to fal storage, one job of this model with image_url.
    expect(fal.jobs).toHaveLength(1);
    expect(fal.jobs[0]!.app).toBe(model);
    expect(fal.jobs[0]!.input.image_url).toMatch(/^http/);
    if (model === 'fal-ai/birefnet/v2') expect(fal.jobs[0]!.input.model).toBe('General Use (Light)');
    expect(fal.requests.filter((r) => ['submit', 'stream', 'status', 'result'].includes(r.stage)).every((r) => r.headers.authorization === `Key ${FAL_KEY}`)).toBe(true);
    const sent = fal.uploads[0]!.bytes!;
    expect((await sharp(sent).metadata()).format).toBe('png');
  });
});

describe('failures are refunded once', () => {
  test('a 422 from the model fails the batch and refunds it once', async () => {
    const { app, token } = await open();
    fal.script({ faults: [{ at: 'job', status: 422 }] });
    const out = await packshot(app, token);
    expect(out).toMatchObject({ __typename: 'GenerationFailedError', refunded: true });
    expect(out.message).toMatch(/refused this photo/);
    expect(await ledgerKinds(app, out.generationId)).toEqual(['debit', 'refund']);
  });

  test('a cut that takes longer than CUTOUT_TIMEOUT_MS fails, is refunded once, and the fal job is cancelled', async () => {
    const { app, token } = await open();
    fal.script({ latencyMs: 30_000 });
    const out = await packshot(app, token);
    expect(out).toMatchObject({ __typename: 'GenerationFailedError', refunded: true });
    expect(out.message).toMatch(/took too long/);
    expect(await ledgerKinds(app, out.generationId)).toEqual(['debit', 'refund']);
    expect(fal.requests.some((r) => r.stage === 'cancel')).toBe(true);
  });
});
