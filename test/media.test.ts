import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createImagePreparer } from '../src/media/prepare.js';
import { InvalidImageError } from '../src/studio/errors.js';
import type { Slot } from '../src/studio/ports.js';
import * as img from './helpers/images.js';

const preparer = createImagePreparer({ maxPixels: 40_000_000 });

async function rejection(slot: Slot, bytes: Uint8Array | Promise<Uint8Array>): Promise<InvalidImageError> {
  const error = await preparer.prepare(slot, await bytes).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidImageError);
  const invalid = error as InvalidImageError;
  expect(invalid.slot).toBe(slot);
  return invalid;
}

describe('createImagePreparer: accepted formats', () => {
  it.each([
    ['jpeg', () => img.jpeg({ width: 640, height: 480 })],
    ['png', () => img.png({ width: 640, height: 480 })],
    ['webp', () => img.webp({ width: 640, height: 480 })],
  ] as const)('accepts %s, detected from the bytes', async (format, make) => {
    const prepared = await preparer.prepare('PRODUCT_1', await make());
    expect(prepared).toMatchObject({
      slot: 'PRODUCT_1',
      kind: 'product',
      sourceFormat: format,
      sourceWidth: 640,
      sourceHeight: 480,
    });
    for (const variant of [prepared.vision, prepared.reference]) {
      expect(variant.contentType).toBe('image/jpeg');
      const meta = await sharp(variant.bytes).metadata();
      expect(meta.format).toBe('jpeg');
      // never upscaled
      expect([meta.width, meta.height]).toEqual([640, 480]);
      expect([variant.width, variant.height]).toEqual([640, 480]);
    }
  });

  it.each([
    ['jpeg', () => img.jpeg({ width: 3000, height: 2000 })],
    ['png', () => img.png({ width: 3000, height: 2000 })],
  ] as const)("reference(): the worker's copy of a %s is the one prepare() makes, from one decode", async (_format, make) => {
    const bytes = await make();
    const copy = await preparer.reference('PRODUCT_1', bytes);
    expect(copy).toEqual((await preparer.prepare('PRODUCT_1', bytes)).reference);
    expect([copy.width, copy.height]).toEqual([2048, 1365]);
    const refused = await preparer.reference('PRODUCT_2', img.truncated(bytes)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidImageError);
    expect((refused as InvalidImageError).slot).toBe('PRODUCT_2');
  });

  it('names the slot kind', async () => {
    const bytes = await img.jpeg();
    expect((await preparer.prepare('FACE', bytes)).kind).toBe('face');
    expect((await preparer.prepare('BACKGROUND', bytes)).kind).toBe('background');
    expect((await preparer.prepare('PRODUCT_4', bytes)).kind).toBe('product');
  });

  it('flattens transparency onto white', async () => {
    const prepared = await preparer.prepare('PRODUCT_2', await img.png({ width: 200, height: 200, color: '#ff0000', alpha: 0 }));
    const { channels, isOpaque } = await sharp(prepared.reference.bytes).stats();
    expect(isOpaque).toBe(true);
    expect(channels.slice(0, 3).map((c) => Math.round(c.mean))).toEqual([255, 255, 255]);
  });
});

describe('createImagePreparer: orientation and metadata', () => {
  it('applies EXIF orientation 6 (width and height swap) and drops EXIF and GPS', async () => {
    const source = await img.jpegWithExifOrientation(6, { width: 600, height: 400 });
    const before = await sharp(source).metadata();
    expect(before.orientation).toBe(6);
    expect(before.exif?.includes('EtalaseTestCam')).toBe(true);

    const prepared = await preparer.prepare('PRODUCT_1', source);
    expect([prepared.sourceWidth, prepared.sourceHeight]).toEqual([400, 600]);
    for (const variant of [prepared.vision, prepared.reference]) {
      const meta = await sharp(variant.bytes).metadata();
      expect([meta.width, meta.height]).toEqual([400, 600]);
      expect(meta.orientation).toBeUndefined();
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      const raw = Buffer.from(variant.bytes).toString('latin1');
      expect(raw).not.toContain('EtalaseTestCam');
      expect(raw).not.toContain('Exif\0\0');
    }
  });

  it('rotates the pixels, not just the numbers', async () => {
    // Stored landscape: left half red, right half blue. Orientation 6 means "rotate 90° clockwise to
    // view", so after preparing, red is on top.
    const source = await sharp(await img.twoTone(600, 400, '#ff0000', '#0000ff')).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const prepared = await preparer.prepare('PRODUCT_1', source);
    const { data } = await sharp(prepared.reference.bytes).resize(1, 2, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    expect(data[0]!).toBeGreaterThan(200); // top pixel red
    expect(data[5]!).toBeGreaterThan(200); // bottom pixel blue
  });
});

describe('createImagePreparer: sizes', () => {
  let big: Uint8Array;
  beforeAll(async () => {
    big = await img.twelveMegapixelJpeg();
  });

  it('caps vision at 1024 and reference at 2048 on the long edge, keeping the aspect ratio', async () => {
    const prepared = await preparer.prepare('BACKGROUND', big);
    expect([prepared.sourceWidth, prepared.sourceHeight]).toEqual([4000, 3000]);
    expect([prepared.vision.width, prepared.vision.height]).toEqual([1024, 768]);
    expect([prepared.reference.width, prepared.reference.height]).toEqual([2048, 1536]);
    const meta = await sharp(prepared.reference.bytes).metadata();
    expect([meta.width, meta.height]).toEqual([2048, 1536]);
    expect(prepared.sourceBytes).toBe(big.byteLength);
    expect(prepared.vision.bytes.byteLength).toBeLessThan(prepared.reference.bytes.byteLength);
  });

  it('caps a portrait image on its height', async () => {
    const prepared = await preparer.prepare('PRODUCT_1', await img.png({ width: 1500, height: 3000 }));
    expect([prepared.vision.width, prepared.vision.height]).toEqual([512, 1024]);
    expect([prepared.reference.width, prepared.reference.height]).toEqual([1024, 2048]);
  });

  it('sha256 is the hex digest of the bytes, stable for the same upload', async () => {
    const bytes = await img.jpeg({ width: 900, height: 700, color: '#123456' });
    const a = await preparer.prepare('PRODUCT_1', bytes);
    const b = await preparer.prepare('PRODUCT_3', bytes);
    expect(a.vision.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(a.vision.sha256).toBe(createHash('sha256').update(a.vision.bytes).digest('hex'));
    expect(a.reference.sha256).toBe(createHash('sha256').update(a.reference.bytes).digest('hex'));
    expect(b.vision.sha256).toBe(a.vision.sha256);
    expect(b.reference.sha256).toBe(a.reference.sha256);
    expect(a.vision.sha256).not.toBe(a.reference.sha256);
  });
});

describe('createImagePreparer: rejections', () => {
  it.each([
    ['gif', img.gif, /unsupported image type gif: upload a JPEG, PNG or WebP photo/],
    ['svg', img.svg, /unsupported image type svg/],
    ['tiff', img.tiff, /unsupported image type tiff/],
    ['avif', img.avif, /unsupported image type avif/],
    ['heic', img.heic, /unsupported image type heic/],
    ['pdf', img.pdf, /unsupported image type pdf/],
    ['html', img.html, /HTML page, not an image/],
    ['random bytes', () => img.randomBytes(), /the file is not an image/],
    ['empty', () => new Uint8Array(0), /the file is empty/],
  ] as const)('rejects %s with a clear reason', async (_name, make, reason) => {
    const error = await rejection('PRODUCT_2', make());
    expect(error.reason).toMatch(reason);
    expect(error.message).toBe(`PRODUCT_2: ${error.reason}`);
  });

  it('rejects images over the pixel limit, naming the size', async () => {
    const error = await rejection('BACKGROUND', img.huge());
    expect(error.reason).toBe('the image is 8000×6000 = 48.0 megapixels; the limit is 40 megapixels');
  });

  it('uses the configured limit', async () => {
    const small = createImagePreparer({ maxPixels: 1_000_000 });
    const error = await small.prepare('FACE', await img.jpeg({ width: 1200, height: 1000 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidImageError);
    expect((error as InvalidImageError).reason).toMatch(/1200×1000 = 1\.2 megapixels; the limit is 1 megapixels/);
  });

  it('rejects images too small to be useful', async () => {
    const error = await rejection('FACE', img.png({ width: 300, height: 40 }));
    expect(error.reason).toMatch(/300×40 px, too small: the short side must be at least 64 px/);
  });

  it.each([
    ['jpeg', () => img.jpeg({ width: 800, height: 600 })],
    ['png', () => img.png({ width: 800, height: 600 })],
    ['webp', () => img.webp({ width: 800, height: 600 })],
    ['noisy 12 MP jpeg', img.twelveMegapixelJpeg],
  ] as const)('rejects a %s cut in half', async (_name, make) => {
    const error = await rejection('PRODUCT_1', img.truncated(await make()));
    expect(error.reason).toBe('the image is truncated or corrupt');
  });

  it('rejects a JPEG missing only its end marker', async () => {
    const whole = Buffer.from(await img.noisy(300, 200));
    const error = await rejection('PRODUCT_1', new Uint8Array(whole.subarray(0, whole.length - 2)));
    expect(error.reason).toBe('the image is truncated or corrupt');
  });
});
