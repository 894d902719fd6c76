import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLocalDescriber } from '../src/adapters/describe/local.js';
import { createLocalGenerator } from '../src/adapters/generate/local.js';
import { createImagePreparer } from '../src/media/prepare.js';
import { serveMedia } from '../src/media/serve.js';
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

let root: string;
let mediaDir: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'etalase-local-'));
  mediaDir = path.join(root, 'media');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

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
const fileOf = (url: string) => path.join(mediaDir, ...new URL(url).pathname.split('/').slice(2));
const meanRgb = async (file: string) => (await sharp(file).stats()).channels.slice(0, 3).map((c) => c.mean);

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
  const generator = () => createLocalGenerator({ mediaDir, publicUrl: 'http://localhost:4000/' });

  it.each(['RATIO_1_1', 'RATIO_3_4', 'RATIO_4_3', 'RATIO_9_16', 'RATIO_16_9'])(
    'writes `count` real JPEGs at the size of %s',
    async (aspectRatio) => {
      const req = request({ count: 2, options: options({ aspectRatio }), references: [product] });
      const result = await generator().generate(req);
      const { width, height } = pixelSize(aspectRatio);
      expect(result.warnings).toEqual([]);
      expect(result.images).toHaveLength(2);
      for (const [i, image] of result.images.entries()) {
        expect(image).toEqual({
          url: `http://localhost:4000/media/${req.generationId}/${i + 1}.jpg`,
          width,
          height,
          contentType: 'image/jpeg',
        });
        const meta = await sharp(fileOf(image.url)).metadata();
        expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', width, height]);
      }
      expect(req.onSubmitted).toHaveBeenCalledTimes(1);
      expect(req.onSubmitted).toHaveBeenCalledWith(`local-${req.generationId}`);
      expect(req.onProgress).toHaveBeenCalledWith({ stage: 'GENERATING' });
    },
  );

  it('composes the product on the uploaded background', async () => {
    const result = await generator().generate(request({ count: 1, references: [product, background] }));
    const file = fileOf(result.images[0]!.url);
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
    const [r, , b] = await meanRgb(fileOf(blue.images[0]!.url));
    expect(b!).toBeGreaterThan(r! + 80);

    const street = await generator().generate(request({ count: 1, options: options({ background: 'STREET' }) }));
    const remove = await generator().generate(request({ count: 1, options: options({ background: 'REMOVE' }) }));
    const streetMean = (await meanRgb(fileOf(street.images[0]!.url)))[0]!;
    const removeMean = (await meanRgb(fileOf(remove.images[0]!.url)))[0]!;
    expect(removeMean).toBeGreaterThan(streetMean + 60);
  });

  it('varies the images of a batch, and repeats them for the same inputs', async () => {
    const a = await generator().generate(request({ count: 4, references: [product] }));
    const hashes = await Promise.all(a.images.map(async (i) => sha(await readFile(fileOf(i.url)))));
    expect(new Set(hashes).size).toBe(4);

    const b = await generator().generate(request({ count: 4, references: [product] }));
    const again = await Promise.all(b.images.map(async (i) => sha(await readFile(fileOf(i.url)))));
    expect(again).toEqual(hashes);
  });

  it('draws a placeholder product when no product photo was uploaded', async () => {
    const result = await generator().generate(request({ count: 1, options: options({ background: 'REMOVE' }) }));
    const { channels } = await sharp(fileOf(result.images[0]!.url)).stats();
    // Not a blank white canvas: the placeholder adds clearly non-white pixels.
    expect(channels[0]!.min).toBeLessThan(150);
  });

  it('resumes a finished generation from disk, and refuses an unknown or unfinished one', async () => {
    const req = request({ count: 2, references: [product] });
    const done = await generator().generate(req);
    const restarted = createLocalGenerator({ mediaDir, publicUrl: 'http://localhost:4000' });
    await expect(restarted.resume!(`local-${req.generationId}`, 'REFERENCE', live())).resolves.toEqual(done);

    await expect(restarted.resume!(`local-${crypto.randomUUID()}`, 'REFERENCE', live())).rejects.toBeInstanceOf(GenerationError);
    await expect(restarted.resume!('fal-123', 'REFERENCE', live())).rejects.toBeInstanceOf(GenerationError);
    await expect(restarted.resume!('local-../../etc', 'REFERENCE', live())).rejects.toBeInstanceOf(GenerationError);

    await unlink(path.join(mediaDir, req.generationId, 'manifest.json'));
    await expect(restarted.resume!(`local-${req.generationId}`, 'REFERENCE', live())).rejects.toBeInstanceOf(GenerationError);
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

describe('serveMedia', () => {
  let jpegBytes: Uint8Array;
  beforeAll(async () => {
    jpegBytes = await img.jpeg({ width: 100, height: 100 });
    await mkdir(path.join(mediaDir, 'gen-1'), { recursive: true });
    await writeFile(path.join(mediaDir, 'gen-1', '1.jpg'), jpegBytes);
    await writeFile(path.join(mediaDir, 'gen-1', 'cut_out.png'), await img.png({ width: 100, height: 100 }));
    // Files a traversal would be after: next to and above the media directory.
    await writeFile(path.join(root, 'secret.jpg'), 'SECRET');
    await writeFile(path.join(mediaDir, 'secret.jpg'), 'SECRET');
  });

  it('serves a file with immutable caching and nosniff', async () => {
    const response = await serveMedia(mediaDir, '/media/gen-1/1.jpg');
    expect(response?.status).toBe(200);
    expect(response?.headers.get('content-type')).toBe('image/jpeg');
    expect(response?.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response?.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response?.headers.get('content-length')).toBe(String(jpegBytes.byteLength));
    expect(new Uint8Array(await response!.arrayBuffer())).toEqual(jpegBytes);

    const png = await serveMedia(mediaDir, '/media/gen-1/cut_out.png');
    expect(png?.headers.get('content-type')).toBe('image/png');
  });

  it('answers 404 for a well-formed name that does not exist', async () => {
    expect((await serveMedia(mediaDir, '/media/gen-1/9.jpg'))?.status).toBe(404);
    expect((await serveMedia(mediaDir, '/media/no-such-generation/1.jpg'))?.status).toBe(404);
  });

  it('leaves other paths alone', async () => {
    for (const p of ['/graphql', '/', '/media', '/mediaX/gen-1/1.jpg', '/health']) {
      expect(await serveMedia(mediaDir, p)).toBeNull();
    }
  });

  it.each([
    '/media/../x',
    '/media/../secret.jpg',
    '/media/gen-1/../secret.jpg',
    '/media/gen-1/../../secret.jpg',
    '/media/%2e%2e/secret.jpg',
    '/media/gen-1/%2e%2e%2fsecret.jpg',
    '/media/..%2f..%2fsecret.jpg',
    '/media/%252e%252e/secret.jpg',
    '/media/gen-1\\..\\..\\secret.jpg',
    '/media/gen-1/1.jpg%00.png',
    '/media/gen-1/1.jpg\0.png',
    '/media//secret.jpg',
    '/media/./secret.jpg',
    '/media/gen-1/.jpg',
    '/media/gen-1/1.JPG.exe',
    '/media/gen-1/1.svg',
    '/media/gen-1/sub/1.jpg',
  ])('rejects %j without reading outside the media directory', async (pathname) => {
    const response = await serveMedia(mediaDir, pathname);
    expect(response?.status).toBe(404);
    expect(await response!.text()).not.toContain('SECRET');
  });
});
