import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createLocalDescriber } from '../src/adapters/describe/local.js';
import { createLocalGenerator } from '../src/adapters/generate/local.js';
import { createImagePreparer } from '../src/media/prepare.js';
import { GenerationError, type GenerateRequest, type PreparedImage } from '../src/studio/ports.js';
import { pixelSize, type StyleOptions } from '../src/studio/style-catalog.js';
import * as img from './helpers/images.js';
import { parseStyleOptions } from '../src/studio/options.js';

const preparer = createImagePreparer({ maxPixels: 40_000_000 });
const live = () => new AbortController().signal;
const aborted = () => {
  const controller = new AbortController();
  controller.abort();
  return controller.signal;
};


const options = (over: Partial<StyleOptions> = {}): StyleOptions => ({
  ...parseStyleOptions({ contentType: 'PRODUCT_ONLY', background: 'STUDIO' }, false),
  ...over,
});

function request(over: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    generationId: crypto.randomUUID(),
    prompt: 'a product photo',
    count: 2,
    mode: 'REFERENCE',
    options: options(),
    references: [],
    signal: live(),
    onProgress: vi.fn(),
    onSubmitted: vi.fn(async () => {}),
    ...over,
  };
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const bytesOf = (image: { bytes?: Uint8Array }) => Buffer.from(image.bytes!);
const meanRgb = async (file: Buffer) => (await sharp(file).stats()).channels.slice(0, 3).map((c) => c.mean);

describe('local describer', () => {
  const describer = createLocalDescriber();

  it('is named local-v1', () => {
    expect(describer.model).toBe('local-v1');
  });

  it('names the colour of a pure red image and says the same thing every time', async () => {
    const bytes = await img.jpeg({ width: 1200, height: 1200, color: '#ff0000' });
    const first = await describer.describe(await preparer.prepare('PRODUCT_1', bytes), live());
    const again = await describer.describe(await preparer.prepare('PRODUCT_1', bytes), live());
    expect(first).toBe(again);
    expect(first).toMatch(/\bred\b/);
    expect(first).toMatch(/^Product photo: a square JPEG, 1200×1200 px, almost entirely red, medium lighting\./);
    expect(first).toMatch(/Keep the product's exact colours, shape and any logo or text\./);
  });

  it('names two dominant colours, orientation and brightness', async () => {
    const prepared = await preparer.prepare('PRODUCT_2', await img.twoTone(900, 600, '#000080', '#ffffff'));
    const text = await describer.describe(prepared, live());
    expect(text).toContain('a landscape JPEG, 900×600 px');
    expect(text).toContain('mostly navy and white');
  });

  it('phrases face and background uploads for their role', async () => {
    const face = await preparer.prepare('FACE', await img.png({ width: 600, height: 800, color: '#e0b090' }));
    const faceText = await describer.describe(face, live());
    expect(faceText).toMatch(/^Face reference: a portrait PNG, 600×800 px, bright lighting; skin\/hair tones sampled from the centre are almost entirely beige\./);

    const background = await preparer.prepare('BACKGROUND', await img.webp({ width: 1600, height: 900, color: '#1a1a1a' }));
    const backgroundText = await describer.describe(background, live());
    expect(backgroundText).toMatch(/^Background environment: a landscape WebP, 1600×900 px, dominant tones: almost entirely black; dark overall\./);
  });

  it('stops when the signal is aborted', async () => {
    const prepared = await preparer.prepare('PRODUCT_1', await img.jpeg());
    await expect(describer.describe(prepared, aborted())).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('local generator', () => {
  let product: PreparedImage;
  let background: PreparedImage;
  beforeAll(async () => {
    product = await preparer.prepare('PRODUCT_1', await img.png({ width: 500, height: 700, color: '#d01010' }));
    background = await preparer.prepare('BACKGROUND', await img.jpeg({ width: 1600, height: 1000, color: '#10a020' }));
  });
  const generator = () => createLocalGenerator();

  it.each(['RATIO_1_1', 'RATIO_3_4', 'RATIO_4_3', 'RATIO_9_16', 'RATIO_16_9'])(
    'writes `count` real JPEGs at the size of %s',
    async (aspectRatio) => {
      const req = request({ count: 2, options: options({ aspectRatio }), references: [product] });
      const result = await generator().generate(req);
      const { width, height } = pixelSize(aspectRatio);
      expect(result.warnings).toEqual([]);
      expect(result.images).toHaveLength(2);
      for (const image of result.images) {
        expect(image).toEqual({ url: '', bytes: expect.any(Uint8Array), width, height, contentType: 'image/jpeg' });
        const meta = await sharp(bytesOf(image)).metadata();
        expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', width, height]);
      }
      expect(req.onSubmitted).toHaveBeenCalledTimes(1);
      expect(req.onSubmitted).toHaveBeenCalledWith(`local-${req.generationId}`);
      expect(req.onProgress).toHaveBeenCalledWith({ stage: 'GENERATING' });
    },
  );

  it('composes the product on the uploaded background', async () => {
    const result = await generator().generate(request({ count: 1, references: [product, background] }));
    const file = bytesOf(result.images[0]!);
    const [r, g, b] = await meanRgb(file);
    expect(g!).toBeGreaterThan(r! * 0.9); // mostly the green background...
    expect(g!).toBeGreaterThan(b! * 2);
    // ...with the red product in the middle
    const { width, height } = pixelSize('RATIO_1_1');
    // stats() reads the input, not the pipeline: extract to a buffer first.
    const crop = await sharp(file).extract({ left: width / 2 - 20, top: height / 2 - 20, width: 40, height: 40 }).toBuffer();
    const centre = await sharp(crop).stats();
    const [cr, cg] = centre.channels.map((c) => c.mean);
    expect(cr!).toBeGreaterThan(150);
    expect(cg!).toBeLessThan(80);
  });

  it('uses the chosen colour, or the tone of the background option, when nothing was uploaded', async () => {
    const blue = await generator().generate(request({ count: 1, options: options({ background: 'SOLID_COLOR', backgroundColor: '#0030ff' }) }));
    const [r, , b] = await meanRgb(bytesOf(blue.images[0]!));
    expect(b!).toBeGreaterThan(r! + 80);

    const street = await generator().generate(request({ count: 1, options: options({ background: 'STREET' }) }));
    const remove = await generator().generate(request({ count: 1, options: options({ background: 'REMOVE' }) }));
    const streetMean = (await meanRgb(bytesOf(street.images[0]!)))[0]!;
    const removeMean = (await meanRgb(bytesOf(remove.images[0]!)))[0]!;
    expect(removeMean).toBeGreaterThan(streetMean + 60);
  });

  it('varies the images of a batch, and repeats them for the same inputs', async () => {
    const a = await generator().generate(request({ count: 4, references: [product] }));
    const hashes = await Promise.all(a.images.map(async (i) => sha(bytesOf(i))));
    expect(new Set(hashes).size).toBe(4);

    const b = await generator().generate(request({ count: 4, references: [product] }));
    const again = await Promise.all(b.images.map(async (i) => sha(bytesOf(i))));
    expect(again).toEqual(hashes);
  });

  it('draws a placeholder product when no product photo was uploaded', async () => {
    const result = await generator().generate(request({ count: 1, options: options({ background: 'REMOVE' }) }));
    const { channels } = await sharp(bytesOf(result.images[0]!)).stats();
    // Not a blank white canvas: the placeholder adds clearly non-white pixels.
    expect(channels[0]!.min).toBeLessThan(150);
  });

  it('stops before submitting when the signal is already aborted', async () => {
    const req = request({ signal: aborted() });
    await expect(generator().generate(req)).rejects.toMatchObject({ name: 'AbortError' });
    expect(req.onSubmitted).not.toHaveBeenCalled();
  });

  it('refuses a generation id that is not safe as a directory name', async () => {
    await expect(generator().generate(request({ generationId: '../escape' }))).rejects.toBeInstanceOf(GenerationError);
  });
});
