// The Gemini describer with the real @google/genai SDK against a wire-level fake on 127.0.0.1.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGeminiDescriber, type GeminiDescriberConfig } from '../src/adapters/describe/gemini.js';
import { createImagePreparer } from '../src/media/prepare.js';
import { createGeminiPromptWriter } from '../src/adapters/prompt/gemini.js';
import { parseStyleOptions } from '../src/studio/options.js';
import type { DescribeReply, PreparedImage, PromptRequest, Slot } from '../src/studio/ports.js';
import { startGeminiFake, type GeminiFake } from './fakes/gemini.js';
import { describerConfig } from './helpers/gemini.js';
import { noisy } from './helpers/images.js';

let fake: GeminiFake;
let product: PreparedImage;
let face: PreparedImage;
let background: PreparedImage;

const config = (overrides: Partial<GeminiDescriberConfig> = {}) => describerConfig(fake.url, overrides);
// Backoff waits near zero so tests count requests, not milliseconds.
const fast = { random: () => 0.001 };
/** Records the waits the describer asks for instead of sleeping them: what it waited is checked,
 *  not how long the test took. */
function recordedWaits() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}
const never = () => new AbortController().signal;
const textOf = (reply: string | DescribeReply) => (typeof reply === 'string' ? reply : reply.text);

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
  it('sends the model, the key, a ≤1024 px JPEG and product instructions, thinking at its minimum', async () => {
    const text = textOf(await createGeminiDescriber(config()).describe(product, never()));

    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toMatch(/\/models\/gemini-3\.5-flash-lite:generateContent$/);
    expect(request.headers['x-goog-api-key']).toBe('test-gemini-key');

    const image = partsOf(0).find((p) => p.inlineData)!.inlineData;
    expect(image.mimeType).toBe('image/jpeg');
    const meta = await sharp(Buffer.from(image.data, 'base64')).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width, meta.height)).toBeLessThanOrEqual(1024);
    expect(Buffer.from(image.data, 'base64').equals(Buffer.from(product.vision.bytes))).toBe(true);

    expect(promptOf(0)).toMatch(/product type/i);
    expect(promptOf(0)).toMatch(/exact colours/i);
    expect(promptOf(0)).toMatch(/logos or text on it, quoted exactly/i);
    expect(promptOf(0)).toMatch(/1-3 short .*sentences.*at most 50 words/i);

    const generation = request.body.generationConfig;
    expect(generation.thinkingConfig).toEqual({ thinkingLevel: 'MINIMAL' });
    expect(generation.temperature).toBeCloseTo(0.2);
    expect(generation.maxOutputTokens).toBe(200);

    expect(text).toContain('product photo (image/jpeg');
  });

  it('asks slot-specific questions for a face and a background', async () => {
    const describer = createGeminiDescriber(config());
    const faceText = textOf(await describer.describe(face, never()));
    const backgroundText = textOf(await describer.describe(background, never()));

    expect(promptOf(0)).toMatch(/face shape/i);
    expect(promptOf(0)).toMatch(/skin tone/i);
    expect(promptOf(0)).not.toMatch(/logos/i);
    expect(promptOf(1)).toMatch(/environment/i);
    expect(promptOf(1)).toMatch(/lighting/i);
    expect(promptOf(1)).toMatch(/mood/i);
    expect(faceText).toMatch(/face/);
    expect(backgroundText).toMatch(/background/);
    expect(describer.model).toBe('gemini-3.5-flash-lite');
  });

  it('runs six describes concurrently', async () => {
    fake.script({ latencyMs: 300 });
    const describer = createGeminiDescriber(config());
    const images = [product, product, product, product, face, background];
    const texts = (await Promise.all(images.map((image) => describer.describe(image, never())))).map(textOf);

    expect(texts).toHaveLength(6);
    expect(fake.requests).toHaveLength(6);
    expect(fake.maxInFlight).toBe(6);
  });

  it('waits out a 429 Retry-After of 1 s, then succeeds', async () => {
    fake.script({ faults: [{ kind: '429', retryAfter: 1 }] });
    const { waits, sleep } = recordedWaits();
    const text = textOf(await createGeminiDescriber(config(), { sleep }).describe(product, never()));

    expect(text).toContain('product');
    expect(fake.requests.map((r) => r.fault ?? 'ok')).toEqual(['429', 'ok']);
    expect(waits).toEqual([1000]); // what the server asked for, before the second request
  });

  it('reads Retry-After as an HTTP date too', async () => {
    fake.script({ faults: [{ kind: '429', retryAfter: new Date(Date.now() + 30_000).toUTCString() }] });
    const { waits, sleep } = recordedWaits();
    const text = textOf(await createGeminiDescriber(config({ budgetMs: 60_000 }), { sleep }).describe(product, never()));

    expect(text).toContain('product');
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(28_000);
    expect(waits[0]).toBeLessThanOrEqual(30_000);
  });

  it('retries two 500s and succeeds on the third request', async () => {
    fake.script({ faults: ['500', '500'] });
    const text = textOf(await createGeminiDescriber(config(), fast).describe(product, never()));

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
    const { waits, sleep } = recordedWaits();
    await expect(createGeminiDescriber(config({ budgetMs: 5_000 }), { sleep }).describe(product, never())).rejects.toThrow(
      /HTTP 429 .*wait 60 s, beyond the remaining budget/,
    );
    // Fast: it gave up without waiting at all, after the one request.
    expect(waits).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('times out a hung request after timeoutMs', async () => {
    fake.script({ faults: ['hang'] });
    await expect(createGeminiDescriber(config({ timeoutMs: 300, retries: 0 })).describe(product, never())).rejects.toThrow(
      /no answer within 300 ms/,
    );
    expect(fake.requests.map((r) => r.fault)).toEqual(['hang']);
    // Timed out, not merely given up on: the request itself was abandoned (its connection closed).
    await vi.waitFor(() => expect(fake.inFlight).toBe(0), { timeout: 10_000 });
  });

  it('retries after a timeout', async () => {
    fake.script({ faults: ['hang'] });
    const text = textOf(await createGeminiDescriber(config({ timeoutMs: 300 }), fast).describe(product, never()));
    expect(text).toContain('product');
    expect(fake.requests.map((r) => r.fault ?? 'ok')).toEqual(['hang', 'ok']);
  });

  it('stops within the total budget even with retries left', async () => {
    fake.script({ faults: ['hang', 'hang', 'hang', 'hang'] });
    // Four tries allowed, each up to 400 ms, in a budget of 700 ms: the budget, not the tries, ends it.
    await expect(
      createGeminiDescriber(config({ timeoutMs: 400, budgetMs: 700, retries: 3 }), fast).describe(product, never()),
    ).rejects.toThrow(/could not describe PRODUCT_1: .*time budget used up/);
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
    pending.catch(() => {}); // awaited below
    // Aborted while the request is at the fake, not before it was sent.
    await vi.waitFor(() => expect(fake.requests).toHaveLength(1), { timeout: 10_000 });
    controller.abort(new Error('deadline'));
    await expect(pending).rejects.toThrow('deadline');
    expect(fake.requests).toHaveLength(1);
  });
});

describe('Gemini model families and how replies end', () => {
  it.each([
    ['gemini-2.5-flash-lite', { thinkingBudget: 0 }],
    ['gemini-2.5-pro', { thinkingBudget: 128 }],
    ['gemini-3.5-flash-lite', { thinkingLevel: 'MINIMAL' }],
    ['gemini-3.1-flash-lite-preview', { thinkingLevel: 'MINIMAL' }],
    ['gemini-3-pro-preview', { thinkingLevel: 'LOW' }],
    ['learnlm-9-experimental', undefined],
  ])('%s gets the thinking setting its family accepts', async (model, thinking) => {
    const text = textOf(await createGeminiDescriber(config({ model })).describe(product, never()));
    expect(text).toContain('product');
    expect(fake.requests[0]!.path).toContain(`/models/${model}:generateContent`);
    expect(fake.requests[0]!.body.generationConfig.thinkingConfig).toEqual(thinking);
  });

  it('each photo at the level its purpose needs: products at GEMINI_MEDIA_RESOLUTION (medium unset), faces and backgrounds low', async () => {
    await createGeminiDescriber(config({ mediaResolution: 'high' })).describe(product, never());
    await createGeminiDescriber(config()).describe(product, never());
    await createGeminiDescriber(config({ mediaResolution: 'high' })).describe(face, never());
    await createGeminiDescriber(config()).describe(background, never());
    expect(fake.requests.map((r) => r.body.generationConfig.mediaResolution)).toEqual(['MEDIA_RESOLUTION_HIGH', 'MEDIA_RESOLUTION_MEDIUM', 'MEDIA_RESOLUTION_LOW', 'MEDIA_RESOLUTION_LOW']);
  });

  it('a description cut at maxOutputTokens is asked for again with room, and used whole', async () => {
    const long = 'A navy cotton shirt with a white parang batik pattern and short sleeves. '.repeat(12).trim();
    fake.script({ reply: () => long });
    const reply = await createGeminiDescriber(config(), fast).describe(product, never());
    expect(reply).toEqual({ text: long });
    expect(fake.requests.map((r) => r.body.generationConfig.maxOutputTokens)).toEqual([200, 400]);
  });

  it('cut twice: only whole sentences are kept, and the reply says so', async () => {
    const sentence = 'The shirt has a chest pocket with the word "RUMAH" embroidered in gold thread. ';
    const long = sentence.repeat(30).trim();
    fake.script({ reply: () => long });
    const reply = (await createGeminiDescriber(config(), fast).describe(product, never())) as DescribeReply;
    expect(fake.requests).toHaveLength(2);
    expect(reply.warning).toMatch(/cut at the length limit/);
    expect(reply.text.endsWith('thread.')).toBe(true);
    expect(long.startsWith(reply.text)).toBe(true);
    expect(reply.text.length).toBeLessThanOrEqual(1600);
  });

  it('thoughts that fill the whole limit (MAX_TOKENS, no text) are asked again once with the larger limit', async () => {
    // Gemini 3 counts thoughts against maxOutputTokens: 300 of them fill the first limit, not the second.
    fake.script({ reply: () => ({ text: 'A tan leather tote with a gold clasp.', thoughtTokens: 300 }) });
    const reply = await createGeminiDescriber(config(), fast).describe(product, never());
    expect(reply).toEqual({ text: 'A tan leather tote with a gold clasp.' });
    expect(fake.requests.map((r) => r.body.generationConfig.maxOutputTokens)).toEqual([200, 400]);
  });

  it('thoughts that fill both limits: not described, after exactly one retry', async () => {
    fake.script({ reply: () => ({ text: 'A tote.', thoughtTokens: 5000 }) });
    await expect(createGeminiDescriber(config(), fast).describe(product, never())).rejects.toMatchObject({ kind: 'failed', message: expect.stringMatching(/thinking/) });
    expect(fake.requests).toHaveLength(2);
  });

  it("a family that cannot stop thinking gets room for its thoughts from its profile", async () => {
    fake.script({ reply: () => ({ text: 'A tan leather tote.', thoughtTokens: 900 }) });
    expect(await createGeminiDescriber(config({ model: 'gemini-3-pro-preview' }), fast).describe(product, never())).toEqual({ text: 'A tan leather tote.' });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.body.generationConfig).toMatchObject({ maxOutputTokens: 1224, thinkingConfig: { thinkingLevel: 'LOW' } });
  });

  it('cut before any sentence ends: not used at all', async () => {
    fake.script({ reply: () => 'navy '.repeat(500) });
    await expect(createGeminiDescriber(config(), fast).describe(product, never())).rejects.toMatchObject({ name: 'DescribeError', kind: 'failed' });
  });

  it.each([
    ['finishReason SAFETY', { finishReason: 'SAFETY' as const }],
    ['finishReason PROHIBITED_CONTENT', { finishReason: 'PROHIBITED_CONTENT' as const }],
    ['blockReason SAFETY', { blockReason: 'SAFETY' as const }],
  ])('%s: the photo is refused, not retried', async (_, answer) => {
    fake.script({ reply: () => answer });
    const failure = createGeminiDescriber(config(), fast).describe(face, never());
    await expect(failure).rejects.toMatchObject({ name: 'DescribeError', kind: 'refused', message: expect.stringMatching(/FACE/) });
    expect(fake.requests).toHaveLength(1);
  });

  it('RECITATION: not described, but not a refusal of the photo', async () => {
    fake.script({ reply: () => ({ finishReason: 'RECITATION' }) });
    await expect(createGeminiDescriber(config(), fast).describe(product, never())).rejects.toMatchObject({ kind: 'failed', message: expect.stringMatching(/RECITATION/) });
    expect(fake.requests).toHaveLength(1);
  });

  it('a 400 is a rejection: one request, no retries', async () => {
    fake.script({ faults: ['400', '400'] });
    await expect(createGeminiDescriber(config(), fast).describe(product, never())).rejects.toMatchObject({ kind: 'rejected', message: expect.stringMatching(/HTTP 400/) });
    expect(fake.requests).toHaveLength(1);
  });

  it('screens generated images: an UNSAFE answer or a safety block flags the image', async () => {
    const colours = ['#336699', '#993366', '#669933'];
    const files = await Promise.all(colours.map((background) => sharp({ create: { width: 1600, height: 1200, channels: 3, background } }).jpeg().toBuffer()));
    // what the describer sends for each: the same downscale (768 px), so replies can tell the images apart
    const sent = await Promise.all(files.map(async (f) => (await sharp(f).resize(768, 768, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer()).toString('base64')));
    const server = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(files[Number(req.url!.slice(1, 2))]));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      fake.script({
        reply: (r) => {
          const i = sent.indexOf(r.body.contents[0].parts.find((p: any) => p.inlineData).inlineData.data);
          return i === 1 ? 'UNSAFE' : i === 2 ? { blockReason: 'SAFETY' } : 'SAFE';
        },
      });
      const images = [0, 1, 2].map((i) => ({ url: `${base}/${i}.jpg`, width: 1600, height: 1200, contentType: 'image/jpeg' }));
      const flagged = await createGeminiDescriber(config(), fast).screen!(images, never());
      expect(flagged).toEqual([false, true, true]);
      expect(fake.requests).toHaveLength(3);
      expect(promptOf(0)).toMatch(/SAFE or UNSAFE/);
    } finally {
      server.close();
    }
  });
});

describe('Gemini prompt writer on the wire', () => {
  const writerConfig = (model = 'gemini-3.5-flash-lite') => ({ kind: 'gemini' as const, apiKey: 'test-gemini-key', model, baseUrl: fake.url, timeoutMs: 2000 });
  const request: PromptRequest = {
    mode: 'TEXT_TO_IMAGE',
    options: parseStyleOptions({ contentType: 'PRODUCT_ONLY', category: 'BAGS' }, false),
    descriptions: [{ slot: 'PRODUCT_1', text: 'A tan leather tote with a gold clasp stamped "KIRANA".' }],
    freeText: 'tolong buat di atas meja marmer, cahaya pagi',
    roles: null,
    draft: 'Professional e-commerce product photo of the bag. The product: a tan leather tote.',
    targetModel: 'fal-ai/flux/schnell',
    limits: { t5Tokens: 256, chars: 1000 },
  };

  it('one text-only call with the facts, the seller text, the limits and the draft', async () => {
    const text = await createGeminiPromptWriter(writerConfig()).write(request, never());
    expect(text).toBe(request.draft);
    expect(fake.requests).toHaveLength(1);
    const body = fake.requests[0]!.body;
    expect(body.contents[0].parts.every((p: any) => !p.inlineData)).toBe(true);
    const sent = promptOf(0);
    expect(sent).toContain('"KIRANA"');
    expect(sent).toContain('tolong buat di atas meja marmer');
    expect(sent).toMatch(/translate their meaning into English/);
    expect(sent).toMatch(/at most 1000 characters/);
    expect(sent).toMatch(/never mention photos, references/);
    expect(body.generationConfig.thinkingConfig).toEqual({ thinkingLevel: 'MINIMAL' });
  });

  it('an answer of only thoughts is asked again once with twice the limit', async () => {
    fake.script({ reply: (r) => ({ text: request.draft, thoughtTokens: r.body.generationConfig.maxOutputTokens < 500 ? 400 : 10 }) });
    expect(await createGeminiPromptWriter(writerConfig()).write(request, never())).toBe(request.draft);
    expect(fake.requests.map((r) => r.body.generationConfig.maxOutputTokens)).toEqual([334, 668]);
  });

  it('a 2.5 model gets thinkingBudget 0; a cut answer is an error, never a prompt', async () => {
    fake.script({ reply: () => 'word '.repeat(2000) });
    await expect(createGeminiPromptWriter(writerConfig('gemini-2.5-flash')).write(request, never())).rejects.toThrow(/max-tokens/);
    expect(fake.requests[0]!.body.generationConfig.thinkingConfig).toEqual({ thinkingBudget: 0 });
  });
});
