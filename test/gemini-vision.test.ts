// The Gemini describer's one call per batch (describeAndWrite) with the real @google/genai SDK against
// the wire-level fake: every photo at the level its purpose needs, a response schema, the answer parsed;
// an answer of only thoughts asked again once with twice the limit; a cut or free-text answer an error.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGeminiDescriber, type GeminiDescriberConfig } from '../src/adapters/describe/gemini.js';
import { createImagePreparer } from '../src/media/prepare.js';
import { parseStyleOptions } from '../src/studio/options.js';
import type { PreparedImage, PromptRequest, Slot } from '../src/studio/ports.js';
import { startGeminiFake, type GeminiFake } from './fakes/gemini.js';
import { describerConfig } from './helpers/gemini.js';
import { noisy } from './helpers/images.js';

let fake: GeminiFake;
let product: PreparedImage;
let face: PreparedImage;
let background: PreparedImage;

const config = (overrides: Partial<GeminiDescriberConfig> = {}) => describerConfig(fake.url, overrides);
const fast = { random: () => 0.001 };
const never = () => new AbortController().signal;
const prepared = async (slot: Slot, width: number, height: number, seed: number): Promise<PreparedImage> =>
  createImagePreparer({ maxPixels: 40e6 }).prepare(slot, new Uint8Array(await noisy(width, height, seed)));

beforeAll(async () => {
  fake = await startGeminiFake();
  [product, face, background] = await Promise.all([prepared('PRODUCT_1', 1600, 1200, 1), prepared('FACE', 800, 1000, 2), prepared('BACKGROUND', 1600, 1000, 3)]);
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const partsOf = (i: number) => fake.requests[i]!.body.contents[0].parts as any[];
const promptOf = (i: number) => partsOf(i).map((p) => p.text ?? '').join(' ');

describe('Gemini describer: the photos and the prompt in one call', () => {
  const request: PromptRequest = {
    mode: 'REFERENCE',
    options: parseStyleOptions({ contentType: 'MODEL', category: 'BAGS' }, true),
    descriptions: [],
    freeText: 'tolong buat di atas meja marmer',
    roles: 'Figure 1 shows the product; Figure 2 shows the model\'s face; Figure 3 shows the background.',
    draft: "Figure 1 shows the product; Figure 2 shows the model's face; Figure 3 shows the background. A professional photo.",
    targetModel: 'fal-ai/bytedance/seedream/v4.5/edit',
    limits: { chars: 2000 },
  };

  it('one structured call: every photo at its own level, the notes per slot and the writer\'s instructions; the answer parsed', async () => {
    const step = await createGeminiDescriber(config(), fast).describeAndWrite!([product, face, background], request, never());
    expect(fake.requests).toHaveLength(1);
    const body = fake.requests[0]!.body;
    expect(partsOf(0).filter((p) => p.inlineData).map((p) => p.mediaResolution.level)).toEqual(['MEDIA_RESOLUTION_MEDIUM', 'MEDIA_RESOLUTION_LOW', 'MEDIA_RESOLUTION_LOW']);
    expect(body.generationConfig.mediaResolution).toBeUndefined();
    expect(body.generationConfig.responseMimeType).toBe('application/json');
    expect(body.generationConfig.responseSchema.propertyOrdering).toEqual(['notes', 'prompt']);
    const sent = promptOf(0);
    expect(sent).toMatch(/photo 1 is PRODUCT_1 \(product\), photo 2 is FACE \(face\), photo 3 is BACKGROUND \(background\)/);
    expect(sent).toContain(request.roles);
    expect(sent).toMatch(/translate their meaning into English/);
    expect(sent).not.toMatch(/Output only the prompt/);
    expect(step.notes.map((n) => n.slot)).toEqual(['PRODUCT_1', 'FACE', 'BACKGROUND']);
    expect(step.notes[0]!.text).toMatch(/^A product photo \(image\/jpeg/);
    expect(step.prompt).toBe(request.draft);
  });

  it('a Gemini 2.x model takes one level for the call: the highest a photo needs', async () => {
    await createGeminiDescriber(config({ model: 'gemini-2.5-flash-lite', mediaResolution: 'high' }), fast).describeAndWrite!([product, face], request, never());
    expect(fake.requests[0]!.body.generationConfig.mediaResolution).toBe('MEDIA_RESOLUTION_HIGH');
    expect(partsOf(0).every((p) => p.mediaResolution === undefined)).toBe(true);
  });

  it('only thoughts: asked again once with twice the limit; a cut answer or free text is an error, for the studio to fall back', async () => {
    fake.script({ reply: (r) => ({ text: JSON.stringify({ notes: [{ slot: 'PRODUCT_1', text: 'A tote.' }], prompt: 'A tote.' }), thoughtTokens: r.body.generationConfig.maxOutputTokens < 1000 ? 900 : 0 }) });
    const step = await createGeminiDescriber(config(), fast).describeAndWrite!([product], request, never());
    expect(step.notes).toEqual([{ slot: 'PRODUCT_1', text: 'A tote.' }]);
    expect(fake.requests.map((r) => r.body.generationConfig.maxOutputTokens)).toEqual([817, 1634]);
    fake.reset();
    fake.script({ reply: () => `{"notes": [${'{"slot": "PRODUCT_1", "text": "navy"},'.repeat(400)}` });
    await expect(createGeminiDescriber(config(), fast).describeAndWrite!([product], request, never())).rejects.toThrow(/cut at the length limit/);
    fake.reset();
    fake.script({ reply: () => 'A tote.' });
    await expect(createGeminiDescriber(config(), fast).describeAndWrite!([product], request, never())).rejects.toThrow(/not the structured one/);
  });
});
