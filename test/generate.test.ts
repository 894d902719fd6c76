// generateImages end to end through yoga.fetch with real multipart bodies, on the offline default:
// PGlite running the Supabase migrations, the local describer and the local generator.
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { print } from 'graphql';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GenerateImagesDocument } from './generated/graphql.js';
import { startTestApp, type TestApp, type UploadFile } from './helpers/app.js';
import { jpeg, png, svg, truncated, webp } from './helpers/images.js';

const GENERATE = print(GenerateImagesDocument);

const products = (files: Uint8Array[]): UploadFile[] => files.map((bytes, i) => ({ path: `input.productImages.${i}`, bytes }));
const slots = (n: number) => Array.from({ length: n }, () => null);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

async function imageFrom(url: string) {
  const response = await t.app.yoga.fetch(url.replace(t.config.publicUrl, 'http://localhost'));
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('image/jpeg');
  return sharp(Buffer.from(await response.arrayBuffer())).metadata();
}

describe('me and the catalog', () => {
  test('me without a token is UNAUTHENTICATED', async () => {
    const { body } = await t.gql('{ me { id coinsBalance } }');
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('me with a token: a new user gets the signup credit once', async () => {
    const token = await t.token('me-user');
    const first = await t.gql('{ me { id coinsBalance } }', {}, { token });
    const again = await t.gql('{ me { id coinsBalance } }', {}, { token });
    expect(first.body.data.me.coinsBalance).toBe(10);
    expect(again.body.data.me).toEqual(first.body.data.me);
  });

  test('a garbage token is UNAUTHENTICATED, not a 500', async () => {
    const { body } = await t.gql('{ me { id } }', {}, { token: 'not.a.jwt' });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('styleCatalog lists values with Indonesian labels and poses per type and category', async () => {
    const { body } = await t.gql(`{ styleCatalog {
      modelTypes { value label labelId } backgrounds { value labelId note } aspectRatios { value label }
      poses { contentType category poses { value label } } } }`);
    const catalog = body.data.styleCatalog;
    expect(catalog.modelTypes).toContainEqual({ value: 'WOMAN', label: 'Woman', labelId: 'Wanita' });
    expect(catalog.aspectRatios).toContainEqual({ value: 'RATIO_9_16', label: '9:16' });
    const bags = catalog.poses.find((g: any) => g.contentType === 'PRODUCT_ONLY' && g.category === 'BAGS');
    expect(bags.poses.map((p: any) => p.label)).toContain('Bag hanging');
  });

  test('quote: anonymous gets the price, a signed-in user also sees affordability', async () => {
    const anon = await t.gql('{ t: quote { coins balance affordable } r: quote(input: { mode: REFERENCE }) { coins } }');
    expect(anon.body.data).toEqual({ t: { coins: 1, balance: null, affordable: null }, r: { coins: 2 } });
    const signed = await t.gql('{ quote { coins balance affordable } }', {}, { token: await t.token('quoter') });
    expect(signed.body.data.quote).toEqual({ coins: 1, balance: 10, affordable: true });
  });

  test('quote with an out-of-range count is a BAD_USER_INPUT naming the field', async () => {
    const { body } = await t.gql('{ quote(input: { count: 9 }) { coins } }');
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'count' });
  });
});

describe('generateImages on the local providers', () => {
  test('no photos: text only, default count 2, 1 coin', async () => {
    const token = await t.token('no-photos');
    const { body } = await t.gql(GENERATE, { input: { prompt: 'batik shirt on a beach' } }, { token });
    const result = body.data.generateImages;
    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(result.remainingCoins).toBe(9);
    expect(result.generation).toMatchObject({ status: 'SUCCEEDED', mode: 'TEXT_TO_IMAGE', count: 2, cost: 1, descriptions: [] });
    expect(result.generation.images).toHaveLength(2);
    expect(result.generation.enhancedPrompt).toContain('batik shirt on a beach');
    for (const image of result.generation.images) {
      expect(image.videoPrompts.map((v: any) => v.version)).toEqual(['A', 'B']);
      expect((await imageFrom(image.url)).format).toBe('jpeg');
    }
  });

  test('one photo with Indonesian option labels: described, composed, right aspect ratio', async () => {
    const token = await t.token('one-photo');
    const { body } = await t.upload(
      GENERATE,
      {
        input: {
          productImages: slots(1),
          count: 1,
          options: { contentType: 'Non Model', category: 'Tas', interaction: 'Pegang 1 Tangan Wanita', background: 'Minimalis', aspectRatio: '9:16' },
        },
      },
      products([await jpeg({ color: '#cc2222', width: 900, height: 900 })]),
      { token },
    );
    const g = body.data.generateImages.generation;
    expect(g.descriptions).toEqual([{ slot: 'PRODUCT_1', text: expect.stringMatching(/red/i) }]);
    expect(g.enhancedPrompt).toMatch(/woman's hand/);
    expect(g.enhancedPrompt).toMatch(/cropped at the wrists/);
    expect(g.images).toHaveLength(1);
    const meta = await imageFrom(g.images[0].url);
    expect([meta.width, meta.height]).toEqual([g.images[0].width, g.images[0].height]);
    expect(meta.height! > meta.width!).toBe(true);
  });

  test('4 products + face + background in REFERENCE mode costs 2 and describes every slot', async () => {
    const token = await t.token('full-set');
    const files: UploadFile[] = [
      ...products([await jpeg({ color: '#1155aa' }), await png({ color: '#aa5511' }), await webp({ color: '#11aa55' }), await jpeg({ color: '#eeeeee' })]),
      { path: 'input.faceImage', bytes: await jpeg({ color: '#d2a07a', width: 400, height: 500 }) },
      { path: 'input.backgroundImage', bytes: await jpeg({ color: '#335533', width: 1600, height: 900 }) },
    ];
    const { body } = await t.upload(
      GENERATE,
      { input: { productImages: slots(4), faceImage: null, backgroundImage: null, count: 4, mode: 'REFERENCE', options: { modelType: 'Wanita', category: 'FASHION', pose: 'Standing Portrait' } } },
      files,
      { token },
    );
    const result = body.data.generateImages;
    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(result.remainingCoins).toBe(8);
    expect(result.generation.cost).toBe(2);
    expect(result.generation.descriptions.map((d: any) => d.slot)).toEqual(['PRODUCT_1', 'PRODUCT_2', 'PRODUCT_3', 'PRODUCT_4', 'FACE', 'BACKGROUND']);
    expect(result.generation.images).toHaveLength(4);
    expect(new Set(result.generation.images.map((i: any) => i.url)).size).toBe(4);
    expect(result.generation.enhancedPrompt).toMatch(/face matches the reference/);
  });

  test('generation(id) is visible to its owner only', async () => {
    const owner = await t.token('owner');
    const { body } = await t.gql(GENERATE, { input: { count: 1 } }, { token: owner });
    const id = body.data.generateImages.generation.id;
    const query = 'query($id: ID!) { generation(id: $id) { id status images { url } } }';
    expect((await t.gql(query, { id }, { token: owner })).body.data.generation).toMatchObject({ id, status: 'SUCCEEDED' });
    expect((await t.gql(query, { id }, { token: await t.token('stranger') })).body.data.generation).toBeNull();
    expect((await t.gql(query, { id })).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('without a token the mutation is UNAUTHENTICATED', async () => {
    const { body } = await t.gql(GENERATE, { input: {} });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('typed errors cost nothing', () => {
  const balanceOf = async (token: string) => (await t.gql('{ me { coinsBalance } }', {}, { token })).body.data.me.coinsBalance;

  test('InsufficientCoinsError once the balance is spent', async () => {
    const token = await t.token('spender');
    for (let i = 0; i < 5; i++) {
      const { body } = await t.gql(GENERATE, { input: { count: 1, mode: 'TEXT_TO_IMAGE' } }, { token });
      expect(body.data.generateImages.__typename).toBe('GenerateImagesSuccess');
    }
    await t.upload(GENERATE, { input: { productImages: slots(1), mode: 'REFERENCE', count: 1 } }, products([await jpeg()]), { token });
    await t.upload(GENERATE, { input: { productImages: slots(1), mode: 'REFERENCE', count: 1 } }, products([await jpeg()]), { token });
    expect(await balanceOf(token)).toBe(1);
    const { body } = await t.upload(GENERATE, { input: { productImages: slots(1), mode: 'REFERENCE' } }, products([await jpeg()]), { token });
    expect(body.data.generateImages).toMatchObject({ __typename: 'InsufficientCoinsError', required: 2, balance: 1 });
    expect(await balanceOf(token)).toBe(1);
  });

  test.each([
    ['count out of range', { count: 5 }, 'count'],
    ['unknown option', { options: { modelType: 'Robot' } }, 'options.modelType'],
    ['pose not valid for the category', { options: { contentType: 'PRODUCT_ONLY', category: 'BAGS', pose: 'Walking Pose' } }, 'options.pose'],
    ['modelType on product-only content', { options: { contentType: 'PRODUCT_ONLY', modelType: 'WOMAN' } }, 'options.modelType'],
    ['SOLID_COLOR without a colour', { options: { background: 'SOLID_COLOR' } }, 'options.backgroundColor'],
    ['REFERENCE without photos', { mode: 'REFERENCE' }, 'mode'],
    ['prompt too long', { prompt: 'x'.repeat(1001) }, 'prompt'],
  ])('InvalidInputError: %s', async (_, input, field) => {
    const token = await t.token(`invalid-${field}`);
    const { body } = await t.gql(GENERATE, { input }, { token });
    expect(body.data.generateImages).toMatchObject({ __typename: 'InvalidInputError', field });
    expect(body.data.generateImages.message.length).toBeGreaterThan(10);
    expect(await balanceOf(token)).toBe(10);
  });

  test('InvalidInputError: more than 4 product photos', async () => {
    const token = await t.token('five-products');
    const image = await jpeg();
    const { body } = await t.upload(GENERATE, { input: { productImages: slots(5) } }, products([image, image, image, image, image]), { token });
    expect(body.data.generateImages).toMatchObject({ __typename: 'InvalidInputError', field: 'productImages' });
    expect(await balanceOf(token)).toBe(10);
  });

  test.each([
    ['SVG', () => svg(), /unsupported|not an image/i],
    ['truncated JPEG', async () => truncated(await jpeg({ width: 800, height: 800 })), /truncated|corrupt/i],
    ['random bytes', async () => new TextEncoder().encode('hello, not an image at all'), /not an image/i],
  ])('InvalidImageError names the slot: %s', async (_, make, reason) => {
    const token = await t.token(`bad-file-${_}`);
    const files = [
      ...products([await jpeg()]),
      { path: 'input.productImages.1', bytes: await make(), type: 'image/jpeg' },
    ];
    const { body } = await t.upload(GENERATE, { input: { productImages: slots(2) } }, files, { token });
    expect(body.data.generateImages).toMatchObject({ __typename: 'InvalidImageError', slot: 'PRODUCT_2', reason: expect.stringMatching(reason) });
    expect(await balanceOf(token)).toBe(10);
  });

  test('a REFERENCE batch refused for a corrupt photo leaves none of its uploads in storage (they are written while the photos are decoded)', async () => {
    const token = await t.token('bad-file-reference');
    const files = [...products([await jpeg({ width: 800, height: 800 }), await jpeg({ width: 800, height: 800 })]), { path: 'input.productImages.2', bytes: truncated(await jpeg({ width: 800, height: 800 })), type: 'image/jpeg' }];
    const { body } = await t.upload(GENERATE, { input: { productImages: slots(3), mode: 'REFERENCE' } }, files, { token });
    expect(body.data.generateImages).toMatchObject({ __typename: 'InvalidImageError', slot: 'PRODUCT_3' });
    const left = await readdir(path.join(t.dataDir, 'media', 'inputs'), { recursive: true }).catch(() => []);
    expect(left.filter((f) => /\.(jpe?g|png|webp|tmp)$/.test(String(f)))).toEqual([]);
    expect(await balanceOf(token)).toBe(10);
  });

  test('six files near the size limit pass the transport (over Yoga\'s 25 MB default body cap)', async () => {
    const token = await t.token('big-request');
    const big = new Uint8Array(4_600_000).fill(0x41); // 6 × 4.6 MB = 27.6 MB, each under MAX_FILE_BYTES
    const files = [
      ...products([big, big, big, big]),
      { path: 'input.faceImage', bytes: big },
      { path: 'input.backgroundImage', bytes: big },
    ];
    const { status, body } = await t.upload(GENERATE, { input: { productImages: slots(4), faceImage: null, backgroundImage: null } }, files, { token });
    expect(status).toBe(200);
    expect(body.data.generateImages).toMatchObject({ __typename: 'InvalidImageError', reason: expect.stringMatching(/not an image/) });
  });

  test('a face photo with product-only content is rejected', async () => {
    const token = await t.token('face-product-only');
    const { body } = await t.upload(GENERATE, { input: { faceImage: null, options: { contentType: 'PRODUCT_ONLY' } } }, [{ path: 'input.faceImage', bytes: await jpeg() }], { token });
    expect(body.data.generateImages).toMatchObject({ __typename: 'InvalidInputError', field: 'faceImage' });
  });
});

describe('idempotency', () => {
  test('the same key replays the same generation and charges once', async () => {
    const token = await t.token('idem');
    const input = { productImages: slots(1), count: 1, idempotencyKey: 'order-42' };
    const file = products([await jpeg({ color: '#123456' })]);
    const first = (await t.upload(GENERATE, { input }, file, { token })).body.data.generateImages;
    const second = (await t.upload(GENERATE, { input }, file, { token })).body.data.generateImages;
    expect(second.generation.id).toBe(first.generation.id);
    // The same images; their signed links may differ if the two reads straddle a signing step.
    const unsigned = (images: Array<{ url: string }>) => images.map((i) => ({ ...i, url: i.url.split('?')[0] }));
    expect(unsigned(second.generation.images)).toEqual(unsigned(first.generation.images));
    expect(second.remainingCoins).toBe(9);
  });

  test('the same key with a different request is an InvalidInputError', async () => {
    const token = await t.token('idem-conflict');
    await t.gql(GENERATE, { input: { count: 1, idempotencyKey: 'k' } }, { token });
    const { body } = await t.gql(GENERATE, { input: { count: 2, idempotencyKey: 'k' } }, { token });
    expect(body.data.generateImages).toMatchObject({ __typename: 'InvalidInputError', field: 'idempotencyKey' });
  });
});

describe('a generator failure is refunded', () => {
  test('balance unchanged, ledger shows the debit and the refund', async () => {
    // The local generator writes under DATA_DIR/media; a file in its place makes every write fail.
    const broken = await startTestApp({});
    await writeFile(path.join(broken.dataDir, 'media'), 'not a directory');
    try {
      const token = await broken.token('unlucky');
      const { body } = await broken.gql(GENERATE, { input: { count: 1 } }, { token });
      const result = body.data.generateImages;
      expect(result).toMatchObject({ __typename: 'GenerationFailedError', refunded: true });
      expect((await broken.gql('{ me { id coinsBalance } }', {}, { token })).body.data.me.coinsBalance).toBe(10);
      const history = await broken.gql(
        '{ me { coinHistory { edges { node { kind delta balanceAfter generationId } } } generations { edges { node { id status error } } } } }',
        {},
        { token },
      );
      expect(history.body.data.me.coinHistory.edges.map((e: any) => e.node)).toEqual([
        { kind: 'REFUND', delta: 1, balanceAfter: 10, generationId: result.generationId },
        { kind: 'DEBIT', delta: -1, balanceAfter: 9, generationId: result.generationId },
        { kind: 'SIGNUP', delta: 10, balanceAfter: 10, generationId: null },
      ]);
      expect(history.body.data.me.generations.edges.map((e: any) => e.node)).toEqual([{ id: result.generationId, status: 'FAILED', error: expect.any(String) }]);
      expect(await broken.app.services.ledger.problems()).toEqual([]);
    } finally {
      await broken.close();
    }
  });
});

describe('history', () => {
  test('generations newest first as a Relay connection, paged with after = endCursor; coin history too; cursors are per user', async () => {
    const token = await t.token(`historian-${Date.now()}`);
    // Concurrent requests land within the same millisecond often enough: the cursor must not skip any.
    const ids = await Promise.all(
      Array.from({ length: 5 }, async () => (await t.gql(GENERATE, { input: { count: 1 } }, { token })).body.data.generateImages.generation.id),
    );
    const query = `query($after: String) { me {
      generations(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
      coinHistory(first: 3) { edges { node { kind delta } } pageInfo { hasNextPage } } } }`;
    const seen: string[] = [];
    const cursors: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 4; page++) {
      const me: any = (await t.gql(query, { after }, { token })).body.data.me;
      if (page === 0) {
        expect(me.coinHistory.edges.map((e: any) => e.node)).toEqual([{ kind: 'DEBIT', delta: -1 }, { kind: 'DEBIT', delta: -1 }, { kind: 'DEBIT', delta: -1 }]);
        expect(me.coinHistory.pageInfo.hasNextPage).toBe(true);
      }
      seen.push(...me.generations.edges.map((e: any) => e.node.id));
      cursors.push(...me.generations.edges.map((e: any) => e.cursor));
      expect(me.generations.pageInfo.endCursor).toBe(me.generations.edges.at(-1)?.cursor ?? null);
      if (!me.generations.pageInfo.hasNextPage) break;
      after = me.generations.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen)).toEqual(new Set(ids));
    // The newest of this seller's five is their fifth, whatever everyone else made before.
    expect(Buffer.from(cursors[0]!, 'base64url').toString()).toBe('g:5');

    const bad = await t.gql('{ me { generations(first: 2, after: "not-a-cursor") { edges { cursor } } } }', {}, { token });
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

test('the books balance after everything above', async () => {
  expect(await t.app.services.ledger.problems()).toEqual([]);
});
