// Attacker-style uploads: a bad file next to big ones is refused before anything is decoded, a file
// short inside is refused however it ends, and image work is bounded by one pool that drops the
// queued work of a refused request. Counters on the pool, never timings, prove the order.
import { readFile } from 'node:fs/promises';
import { print } from 'graphql';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createImagePreparer } from '../src/media/prepare.js';
import { createWorkPool, imagePool } from '../src/media/pool.js';
import { InvalidImageError } from '../src/studio/errors.js';
import type { Slot } from '../src/studio/ports.js';
import { GenerateImagesDocument } from './generated/graphql.js';
import { startTestApp, type TestApp, type UploadFile } from './helpers/app.js';
import * as img from './helpers/images.js';

const TRUNCATED = 'the image is truncated or corrupt';
const EOI = Buffer.from([0xff, 0xd9]);
const ADOBE_APP14 = Buffer.from([0xff, 0xee, 0x00, 0x0e, ...Buffer.from('Adobe'), 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x05]);
const IEND = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/** A 36-megapixel PNG: small on the wire (solid colour), 108 MB of pixels once decoded. */
let bigPng: Promise<Uint8Array> | undefined;
const big = () => (bigPng ??= img.huge(6000, 6000));

const products = (files: Uint8Array[]) => files.map((bytes, i) => ({ slot: `PRODUCT_${i + 1}` as Slot, bytes }));

async function refusal(promise: Promise<unknown>): Promise<InvalidImageError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidImageError);
  return error as InvalidImageError;
}

/** The first half of a file with the end marker glued back on: whole on the outside, short inside. */
const halfWithEoi = (jpeg: Uint8Array) => new Uint8Array(Buffer.concat([jpeg.subarray(0, jpeg.byteLength >> 1), EOI]));

/** A real 800×600 JPEG whose SOF header claims 6000×6000: its scan data ends long before the last row. */
async function sofClaimsMore(): Promise<Uint8Array> {
  const small = Buffer.from(await img.noisy(800, 600));
  const sof = small.indexOf(Buffer.from([0xff, 0xc0]));
  small.writeUInt16BE(6000, sof + 5);
  small.writeUInt16BE(6000, sof + 7);
  return new Uint8Array(small);
}

/** `extra` inserted before the first DQT segment: "N extraneous bytes before marker 0xdb". */
function withStrayBytes(jpeg: Uint8Array, extra = [0x00, 0x11, 0x22]): Uint8Array {
  const b = Buffer.from(jpeg);
  const at = b.indexOf(Buffer.from([0xff, 0xdb]));
  return new Uint8Array(Buffer.concat([b.subarray(0, at), Buffer.from(extra), b.subarray(at)]));
}

describe('the image pool', () => {
  function deferred() {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  }

  it('never runs more jobs than its size; the rest wait their turn, in order', async () => {
    const pool = createWorkPool(2);
    const gates = Array.from({ length: 6 }, deferred);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const jobs = gates.map((gate, i) =>
      pool.run(async () => {
        running++;
        most = Math.max(most, running);
        order.push(i);
        await gate.promise;
        running--;
        return i;
      }),
    );
    await Promise.resolve();
    expect(pool.stats()).toMatchObject({ active: 2, queued: 4, started: 2 });
    for (const gate of gates) gate.resolve();
    expect(await Promise.all(jobs)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(pool.stats()).toMatchObject({ active: 0, queued: 0, started: 6, peakActive: 2 });
  });

  it('drops queued jobs when their signal aborts, and frees a slot when a job throws', async () => {
    const pool = createWorkPool(1);
    const gate = deferred();
    const first = pool.run(() => gate.promise);
    const controller = new AbortController();
    let ranQueued = false;
    const queued = pool.run(async () => {
      ranQueued = true;
    }, controller.signal);
    expect(pool.stats().queued).toBe(1);
    controller.abort(new Error('request refused'));
    await expect(queued).rejects.toThrow('request refused');
    expect(pool.stats().queued).toBe(0);
    await expect(pool.run(async () => 1, controller.signal)).rejects.toThrow('request refused'); // already aborted
    gate.resolve();
    await first;
    await expect(pool.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await pool.run(async () => 'next')).toBe('next');
    expect(ranQueued).toBe(false);
    expect(pool.stats()).toMatchObject({ active: 0, queued: 0, started: 3 });
  });

  it('the process-wide pool is sized to the cores', async () => {
    const os = await import('node:os');
    expect(imagePool.size).toBe(os.availableParallelism());
  });
});

describe('headers first', () => {
  it('an HTML file next to five 36 MP PNGs is refused without decoding any of them', async () => {
    const pool = createWorkPool(1);
    const preparer = createImagePreparer({ maxPixels: 40_000_000, pool });
    const png = await big();
    const error = await refusal(preparer.inspectAll([...products([png, png, png, png]), { slot: 'FACE', bytes: png }, { slot: 'BACKGROUND', bytes: img.html() }]));
    expect(error.slot).toBe('BACKGROUND');
    expect(error.reason).toMatch(/HTML page, not an image/);
    expect(pool.stats().started).toBe(0);
  });

  it('reports the first bad upload in upload order, whichever check finishes first', async () => {
    const pool = createWorkPool(1);
    const preparer = createImagePreparer({ maxPixels: 40_000_000, pool });
    const error = await refusal(
      preparer.inspectAll([...products([await big(), img.truncated(await img.jpeg({ width: 800, height: 600 })), img.html()])]),
    );
    expect(error).toMatchObject({ slot: 'PRODUCT_2', reason: TRUNCATED });
    expect(pool.stats().started).toBe(0);
  });

  it('check() refuses from the header alone and tells what it read', async () => {
    const preparer = createImagePreparer({ maxPixels: 40_000_000, pool: createWorkPool(1) });
    expect(await preparer.check('FACE', await img.webp({ width: 300, height: 200 }))).toEqual({
      slot: 'FACE',
      sourceFormat: 'webp',
      sourceBytes: expect.any(Number),
      sourceWidth: 300,
      sourceHeight: 200,
    });
    expect((await refusal(preparer.check('FACE', await img.huge()))).reason).toMatch(/48\.0 megapixels/);
    expect((await refusal(preparer.check('FACE', await img.png({ width: 300, height: 40 })))).reason).toMatch(/too small/);
  });

  it('a refusal while decoding drops the decodes still queued', async () => {
    const pool = createWorkPool(1);
    const preparer = createImagePreparer({ maxPixels: 40_000_000, pool });
    const png = await big();
    // Passes every header check; refused by the strict decode, the first job in the queue.
    const error = await refusal(preparer.inspectAll(products([await sofClaimsMore(), png, png, png])));
    expect(error).toMatchObject({ slot: 'PRODUCT_1', reason: TRUNCATED });
    expect(pool.stats()).toMatchObject({ started: 1, queued: 0 });
  });

  it('a request aborted from outside drops its queued decodes', async () => {
    const pool = createWorkPool(1);
    const preparer = createImagePreparer({ maxPixels: 40_000_000, pool });
    let release!: () => void;
    const gate = pool.run(() => new Promise<void>((r) => (release = r)));
    const controller = new AbortController();
    const inspected = preparer.inspectAll(products([await img.jpeg(), await img.png()]), controller.signal);
    // Headers are checked (no pool), then both decodes queue behind `gate`.
    await vi.waitFor(() => expect(pool.stats().queued).toBe(2), { timeout: 10_000, interval: 1 });
    controller.abort(new Error('client went away'));
    await expect(inspected).rejects.toThrow('client went away');
    release();
    await gate;
    expect(pool.stats()).toMatchObject({ started: 1, queued: 0 });
  });
});

describe('files short inside', () => {
  const preparer = createImagePreparer({ maxPixels: 40_000_000 });
  const refuse = async (slot: Slot, bytes: Uint8Array) => {
    const error = await refusal(preparer.prepare(slot, bytes));
    expect(error).toMatchObject({ slot, reason: TRUNCATED });
  };

  it.each([
    ['a 12 MP JPEG cut in half with its EOI glued back on', async () => halfWithEoi(await img.twelveMegapixelJpeg())],
    ['a JPEG whose SOF claims 6000×6000 over 800×600 of scan data', sofClaimsMore],
    ['the same, hidden behind stray bytes (a harmless quirk)', async () => withStrayBytes(await sofClaimsMore())],
    ['a progressive JPEG cut in half, EOI glued on', async () => halfWithEoi(await sharp(await img.noisy(1200, 900)).jpeg({ progressive: true }).toBuffer())],
    ['a JPEG cut inside its headers', async () => (await img.jpeg()).subarray(0, 100)],
    ['a JPEG cut in its first scan', async () => img.truncated(await img.twelveMegapixelJpeg(), 0.05)],
  ] as const)('JPEG: %s', async (_name, make) => {
    await refuse('FACE', new Uint8Array(await make()));
  });

  it.each([
    ['cut in half', (png: Buffer) => png.subarray(0, png.length >> 1)],
    ['cut in half, IEND glued on', (png: Buffer) => Buffer.concat([png.subarray(0, png.length >> 1), IEND])],
    ['cut one byte short', (png: Buffer) => png.subarray(0, png.length - 1)],
  ] as const)('PNG: %s', async (_name, cut) => {
    const png = await sharp(await img.noisy(900, 700)).png().toBuffer();
    await refuse('PRODUCT_3', new Uint8Array(cut(png)));
  });

  it.each([
    ['lossy, cut in half', { quality: 80 }, false],
    ['lossy, cut in half, RIFF and VP8 sizes rewritten to match', { quality: 80 }, true],
    ['lossless, cut in half, sizes rewritten', { lossless: true }, true],
  ] as const)('WebP: %s', async (_name, options, rewrite) => {
    const webp = await sharp(await img.noisy(600, 450)).webp(options).toBuffer();
    const cut = Buffer.from(webp.subarray(0, webp.length >> 1));
    if (rewrite) {
      cut.writeUInt32LE(cut.length - 8, 4);
      cut.writeUInt32LE(cut.length - 20, 16);
    }
    await refuse('BACKGROUND', new Uint8Array(cut));
  });
});

describe('harmless quirks still pass', () => {
  const preparer = createImagePreparer({ maxPixels: 40_000_000 });
  const accepted = async (bytes: Uint8Array, size: [number, number]) => {
    const prepared = await preparer.prepare('PRODUCT_1', bytes);
    expect([prepared.sourceWidth, prepared.sourceHeight]).toEqual(size);
    return prepared;
  };
  let photo: Uint8Array;
  beforeAll(async () => {
    photo = new Uint8Array(await img.noisy(1600, 1200));
  });

  it('stray bytes between segments, with the same pixels as without them', async () => {
    const clean = await accepted(photo, [1600, 1200]);
    const quirky = await accepted(withStrayBytes(photo), [1600, 1200]);
    expect(quirky.reference.sha256).toBe(clean.reference.sha256);
  });

  it.each([
    ['data after the EOI (a phone trailer)', () => new Uint8Array(Buffer.concat([photo, Buffer.from('SEFT trailer written by a phone')]))],
    ['a second image after the first (MPF-like)', () => new Uint8Array(Buffer.concat([photo, photo]))],
    ['progressive', async () => new Uint8Array(await sharp(photo).jpeg({ progressive: true }).toBuffer())],
    ['greyscale', async () => new Uint8Array(await sharp(photo).greyscale().jpeg().toBuffer())],
    ['CMYK', async () => new Uint8Array(await sharp(photo).toColourspace('cmyk').jpeg().toBuffer())],
    ['EXIF orientation', async () => img.jpegWithExifOrientation(6, { width: 1200, height: 1600 })],
    // libjpeg warns "Unknown Adobe color transform code 5": the strict decode refuses, the lenient one reads it.
    ['an APP14 Adobe segment with an unknown transform code', () => new Uint8Array(Buffer.concat([photo.subarray(0, 2), ADOBE_APP14, photo.subarray(2)]))],
  ] as const)('JPEG with %s', async (_name, make) => {
    await accepted(await make(), [1600, 1200]);
  });

  it.each(['product-1.jpg', 'product-2.jpg'])('examples/%s', async (file) => {
    const prepared = await preparer.prepare('PRODUCT_1', new Uint8Array(await readFile(new URL(`../examples/${file}`, import.meta.url))));
    expect(prepared.sourceFormat).toBe('jpeg');
  });
});

describe('through the GraphQL API: refusals cost nothing', () => {
  const GENERATE = print(GenerateImagesDocument);
  const LEDGER = '{ me { coinsBalance coinHistory { edges { node { kind delta } } } } }';
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it.each([
    ['an HTML file next to five 36 MP PNGs', async () => [await big(), await big(), await big(), await big(), await big(), img.html()], 'BACKGROUND', /HTML page/, 0],
    ['a JPEG cut short with its EOI glued on', async () => [await img.jpeg(), halfWithEoi(await img.twelveMegapixelJpeg())], 'PRODUCT_2', /truncated/, null],
    ['a truncated PNG', async () => [img.truncated(await sharp(await img.noisy(900, 700)).png().toBuffer())], 'PRODUCT_1', /truncated/, 0],
    ['a truncated WebP', async () => [img.truncated(await img.webp({ width: 900, height: 700 }))], 'PRODUCT_1', /truncated/, 0],
  ] as const)('%s: InvalidImageError naming the slot, balance and ledger unchanged', async (name, make, slot, reason, decodes) => {
    const token = await t.token(`refused-${name}`);
    const before = (await t.gql(LEDGER, {}, { token })).body.data.me;
    expect(before).toEqual({ coinsBalance: 10, coinHistory: { edges: [{ node: { kind: 'SIGNUP', delta: 10 } }] } });

    const bytes = await make();
    const paths = ['input.productImages.0', 'input.productImages.1', 'input.productImages.2', 'input.productImages.3', 'input.faceImage', 'input.backgroundImage'];
    const files: UploadFile[] = bytes.map((b, i) => ({ path: bytes.length === 6 ? paths[i]! : `input.productImages.${i}`, bytes: b, type: 'image/png' }));
    const input =
      bytes.length === 6
        ? { productImages: [null, null, null, null], faceImage: null, backgroundImage: null, options: { contentType: 'MODEL' } }
        : { productImages: bytes.map(() => null) };
    const started = imagePool.stats().started;
    const { body } = await t.upload(GENERATE, { input }, files, { token });
    expect(body.errors).toBeUndefined();
    expect(body.data.generateImages).toMatchObject({ __typename: 'InvalidImageError', slot, reason: expect.stringMatching(reason) });
    if (decodes !== null) expect(imagePool.stats().started - started).toBe(decodes);

    expect((await t.gql(LEDGER, {}, { token })).body.data.me).toEqual(before);
    expect((await t.gql('{ me { generations { edges { node { id } } } } }', {}, { token })).body.data.me.generations.edges).toEqual([]);
  });
});
