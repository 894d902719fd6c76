// The Gemini describer with the real @google/genai SDK against a wire-level fake on 127.0.0.1.
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGeminiDescriber, type GeminiDescriberConfig } from '../src/adapters/describe/gemini.js';
import { createImagePreparer } from '../src/media/prepare.js';
import type { PreparedImage, Slot } from '../src/studio/ports.js';
import { startGeminiFake, type GeminiFake } from './fakes/gemini.js';
import { noisy } from './helpers/images.js';

let fake: GeminiFake;
let product: PreparedImage;
let face: PreparedImage;
let background: PreparedImage;

const config = (overrides: Partial<GeminiDescriberConfig> = {}): GeminiDescriberConfig => ({
  kind: 'gemini',
  apiKey: 'test-gemini-key',
  model: 'gemini-2.5-flash-lite',
  baseUrl: fake.url,
  timeoutMs: 5_000,
  budgetMs: 15_000,
  retries: 3,
  ...overrides,
});
// Backoff waits near zero so tests count requests, not milliseconds.
const fast = { random: () => 0.001 };
const never = () => new AbortController().signal;

async function prepared(slot: Slot, width: number, height: number, seed: number): Promise<PreparedImage> {
  return createImagePreparer({ maxPixels: 40e6 }).prepare(slot, new Uint8Array(await noisy(width, height, seed)));
}

beforeAll(async () => {
  fake = await startGeminiFake();
  [product, face, background] = await Promise.all([
    prepared('PRODUCT_1', 3000, 2000, 1),
    prepared('FACE', 800, 1000, 2),
    prepared('BACKGROUND', 2400, 1600, 3),
  ]);
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const partsOf = (i: number) => fake.requests[i]!.body.contents[0].parts as any[];
const promptOf = (i: number) => partsOf(i).map((p) => p.text ?? '').join(' ');

describe('Gemini describer on the wire', () => {
  it('sends the model, the key, a ≤1024 px JPEG and product instructions, thinking off', async () => {
    const text = await createGeminiDescriber(config()).describe(product, never());

    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toMatch(/\/models\/gemini-2\.5-flash-lite:generateContent$/);
    expect(request.headers['x-goog-api-key']).toBe('test-gemini-key');

    const image = partsOf(0).find((p) => p.inlineData)!.inlineData;
    expect(image.mimeType).toBe('image/jpeg');
    const meta = await sharp(Buffer.from(image.data, 'base64')).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width, meta.height)).toBeLessThanOrEqual(1024);
    expect(Buffer.from(image.data, 'base64').equals(Buffer.from(product.vision.bytes))).toBe(true);

    expect(promptOf(0)).toMatch(/product type/i);
    expect(promptOf(0)).toMatch(/exact colours/i);
    expect(promptOf(0)).toMatch(/logos or text/i);
    expect(promptOf(0)).toMatch(/2-4 .*sentences/i);

    const generation = request.body.generationConfig;
    expect(generation.thinkingConfig).toEqual({ thinkingBudget: 0 });
    expect(generation.temperature).toBeCloseTo(0.2);
    expect(generation.maxOutputTokens).toBe(200);

    expect(text).toContain('product photo (image/jpeg');
  });

  it('asks slot-specific questions for a face and a background', async () => {
    const describer = createGeminiDescriber(config());
    const faceText = await describer.describe(face, never());
    const backgroundText = await describer.describe(background, never());

    expect(promptOf(0)).toMatch(/face shape/i);
    expect(promptOf(0)).toMatch(/skin tone/i);
    expect(promptOf(0)).not.toMatch(/logos/i);
    expect(promptOf(1)).toMatch(/environment/i);
    expect(promptOf(1)).toMatch(/lighting/i);
    expect(promptOf(1)).toMatch(/mood/i);
    expect(faceText).toMatch(/face/);
    expect(backgroundText).toMatch(/background/);
    expect(describer.model).toBe('gemini-2.5-flash-lite');
  });

  it('runs six describes concurrently', async () => {
    fake.script({ latencyMs: 300 });
    const describer = createGeminiDescriber(config());
    const images = [product, product, product, product, face, background];
    const texts = await Promise.all(images.map((image) => describer.describe(image, never())));

    expect(texts).toHaveLength(6);
    expect(fake.requests).toHaveLength(6);
    expect(fake.maxInFlight).toBe(6);
  });

  it('waits out a 429 Retry-After of 1 s, then succeeds', async () => {
    fake.script({ faults: [{ kind: '429', retryAfter: 1 }] });
    const text = await createGeminiDescriber(config()).describe(product, never());

    expect(text).toContain('product');
    expect(fake.requests.map((r) => r.fault ?? 'ok')).toEqual(['429', 'ok']);
    expect(fake.requests[1]!.at - fake.requests[0]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('reads Retry-After as an HTTP date too', async () => {
    fake.script({ faults: [{ kind: '429', retryAfter: new Date(Date.now() + 30_000).toUTCString() }] });
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    const text = await createGeminiDescriber(config({ budgetMs: 60_000 }), { sleep }).describe(product, never());

    expect(text).toContain('product');
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(28_000);
    expect(waits[0]).toBeLessThanOrEqual(30_000);
  });

  it('retries two 500s and succeeds on the third request', async () => {
    fake.script({ faults: ['500', '500'] });
    const text = await createGeminiDescriber(config(), fast).describe(product, never());

    expect(text).toContain('product');
    expect(fake.requests).toHaveLength(3);
  });

  it('gives up after the configured retries', async () => {
    fake.script({ faults: ['500', '500', '500'] });
    await expect(createGeminiDescriber(config({ retries: 2 }), fast).describe(product, never())).rejects.toThrow(
      /could not describe PRODUCT_1: HTTP 500 \(gave up after 3 attempts\)/,
    );
    expect(fake.requests).toHaveLength(3);
  });

  it('fails fast when Retry-After does not fit in the budget', async () => {
    fake.script({ faults: [{ kind: '429', retryAfter: 60 }] });
    const started = Date.now();
    await expect(createGeminiDescriber(config({ budgetMs: 5_000 })).describe(product, never())).rejects.toThrow(
      /HTTP 429 .*wait 60 s, beyond the remaining budget/,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(fake.requests).toHaveLength(1);
  });

  it('times out a hung request after timeoutMs', async () => {
    fake.script({ faults: ['hang'] });
    const started = Date.now();
    await expect(createGeminiDescriber(config({ timeoutMs: 300, retries: 0 })).describe(product, never())).rejects.toThrow(
      /no answer within 300 ms/,
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3000);
  });

  it('retries after a timeout', async () => {
    fake.script({ faults: ['hang'] });
    const text = await createGeminiDescriber(config({ timeoutMs: 300 }), fast).describe(product, never());
    expect(text).toContain('product');
    expect(fake.requests.map((r) => r.fault ?? 'ok')).toEqual(['hang', 'ok']);
  });

  it('stops within the total budget even with retries left', async () => {
    fake.script({ faults: ['hang', 'hang', 'hang', 'hang'] });
    const started = Date.now();
    await expect(
      createGeminiDescriber(config({ timeoutMs: 400, budgetMs: 700, retries: 3 }), fast).describe(product, never()),
    ).rejects.toThrow(/could not describe/);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(fake.requests.length).toBeLessThanOrEqual(2);
  });

  it('rejects a malformed reply without retrying', async () => {
    fake.script({ faults: ['malformed'] });
    await expect(createGeminiDescriber(config(), fast).describe(product, never())).rejects.toThrow(/could not describe PRODUCT_1/);
    expect(fake.requests).toHaveLength(1);
  });

  it('rejects an empty reply', async () => {
    fake.script({ faults: ['empty'] });
    await expect(createGeminiDescriber(config(), fast).describe(product, never())).rejects.toThrow(/empty reply \(OTHER\)/);
    expect(fake.requests).toHaveLength(1);
  });

  it("stops at once when the caller's signal aborts", async () => {
    fake.script({ faults: ['hang'] });
    const controller = new AbortController();
    const pending = createGeminiDescriber(config()).describe(product, controller.signal);
    setTimeout(() => controller.abort(new Error('deadline')), 100);
    await expect(pending).rejects.toThrow('deadline');
    expect(fake.requests).toHaveLength(1);
  });
});
