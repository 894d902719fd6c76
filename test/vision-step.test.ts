// The batch's vision step through the app, on the Gemini wire fake: the photos described and the
// prompt written in one structured call; photos seen before answered from the cache (then only the
// writer's text-only call); a failed one call falls back to describing photo by photo; the review
// compares each output with the descriptions instead of sending the photos again.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultGeminiReply, FAITHFUL_REVIEW, isReview, isVisionStep, startGeminiFake, textOf, type GeminiFake, type GeminiRequest } from './fakes/gemini.js';
import { startTestApp, type TestApp, type UploadFile } from './helpers/app.js';
import { expectBooksBalancedAfterEach } from './helpers/books.js';

const GENERATE = `mutation($input: GenerateImagesInput!) { generateImages(input: $input) {
  __typename
  ... on GenerateImagesSuccess { generation { id status warnings descriptions { slot text } images { review { verdict } } } }
  ... on Error { message }
} }`;

const photo = async (colour: string) =>
  new Uint8Array(await sharp({ create: { width: 640, height: 480, channels: 3, background: colour } }).jpeg({ quality: 90 }).toBuffer());
const images = (r: GeminiRequest) => (r.body.contents[0].parts as any[]).filter((p) => p.inlineData);

let gemini: GeminiFake;
let t: TestApp;
beforeAll(async () => {
  gemini = await startGeminiFake();
  t = await startTestApp({ GEMINI_API_KEY: 'test-key', GEMINI_BASE_URL: gemini.url, DESCRIBER: 'gemini', PROMPT_WRITER: 'gemini', REVIEWER: 'gemini', GENERATOR: 'local' });
});
afterAll(async () => {
  await t?.close();
  await gemini?.close();
});
expectBooksBalancedAfterEach(() => t?.app.services.ledger);

async function run(user: string, colours: [string, string, string]) {
  const [p1, p2, face] = await Promise.all(colours.map(photo));
  const files: UploadFile[] = [
    { path: 'input.productImages.0', bytes: p1! },
    { path: 'input.productImages.1', bytes: p2! },
    { path: 'input.faceImage', bytes: face! },
  ];
  const input = { productImages: [null, null], faceImage: null, count: 2, mode: 'REFERENCE', options: { modelType: 'Wanita', category: 'FASHION' } };
  return (await t.upload(GENERATE, { input }, files, { token: await t.token(user) })).body.data.generateImages;
}

describe('one vision call per batch', () => {
  test('new photos: one call with every photo (products medium, the face low) answers the notes and the prompt; each review sends only its output', async () => {
    gemini.reset();
    const result = await run('vision-one', ['#884422', '#224488', '#c08870']);
    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(result.generation.warnings).toEqual([]);
    expect(result.generation.descriptions.map((d: any) => d.slot)).toEqual(['PRODUCT_1', 'PRODUCT_2', 'FACE']);
    const [vision, ...rest] = gemini.requests;
    expect(isVisionStep(vision!)).toBe(true);
    expect(images(vision!).map((p) => p.mediaResolution.level)).toEqual(['MEDIA_RESOLUTION_MEDIUM', 'MEDIA_RESOLUTION_MEDIUM', 'MEDIA_RESOLUTION_LOW']);
    expect(vision!.body.generationConfig.responseSchema.properties.notes.items.properties.slot.enum).toEqual(['PRODUCT_1', 'PRODUCT_2', 'FACE']);
    // Nothing else before the images: no per-photo describe, no PromptWriter call.
    expect(rest.every(isReview)).toBe(true);
    expect(rest).toHaveLength(2);
    for (const review of rest) {
      expect(images(review)).toHaveLength(1);
      expect(review.body.generationConfig.mediaResolution).toBe('MEDIA_RESOLUTION_MEDIUM');
      const text = review.body.contents[0].parts.map((p: any) => p.text ?? '').join(' ');
      expect(text).toContain(`PRODUCT_1: ${result.generation.descriptions[0].text}`);
      expect(text).not.toContain('FACE:');
    }
    expect(result.generation.images.map((i: any) => i.review.verdict)).toEqual(['PASS', 'PASS']);
  });

  test('every photo seen before: the descriptions come from the cache and the writer makes one text-only call', async () => {
    gemini.reset();
    const result = await run('vision-cached', ['#884422', '#224488', '#c08870']);
    expect(result.__typename).toBe('GenerateImagesSuccess');
    const before = gemini.requests.filter((r) => !isReview(r));
    expect(before).toHaveLength(1);
    expect(isVisionStep(before[0]!)).toBe(false);
    expect(images(before[0]!)).toHaveLength(0);
  });

  test('the one call fails: every photo is described on its own and the writer writes the prompt', async () => {
    gemini.reset();
    gemini.script({ faults: ['400'] });
    const result = await run('vision-fallback', ['#446622', '#662244', '#b07860']);
    expect(result.__typename).toBe('GenerateImagesSuccess');
    expect(result.generation.warnings).toEqual([]);
    const before = gemini.requests.filter((r) => !isReview(r));
    expect(isVisionStep(before[0]!)).toBe(true);
    expect(before.slice(1).filter((r) => images(r).length === 1)).toHaveLength(3);
    expect(before.slice(1).filter((r) => images(r).length === 0)).toHaveLength(1);
  });

  test('the review still catches changed text: the product\'s text quoted from the notes, the output\'s read, compared as strings', async () => {
    gemini.reset();
    let reviews = 0;
    gemini.script({
      reply: (r) => {
        if (isVisionStep(r)) {
          const answer = JSON.parse(defaultGeminiReply(r));
          answer.notes[0].text = 'A tan tote with the word "KIRANA" stamped in gold.';
          return JSON.stringify(answer);
        }
        if (isReview(r)) return JSON.stringify({ ...FAITHFUL_REVIEW, textOnProduct: ['KIRANA'], textOnOutput: [++reviews === 1 ? 'KIRANNA' : 'KIRANA'] });
        return defaultGeminiReply(r);
      },
    });
    const result = await run('vision-text', ['#7a5230', '#30527a', '#b88a70']);
    expect(result.__typename).toBe('GenerateImagesSuccess');
    const first = gemini.requests.find(isReview)!;
    expect(textOf(first)).toContain('PRODUCT_1: A tan tote with the word "KIRANA" stamped in gold.');
    expect(images(first)).toHaveLength(1);
    // One output read "KIRANNA": TEXT_CHANGED, made again once, free; the re-make reads right.
    expect(result.generation.warnings).toContain('1 image failed the review and was made again at no charge.');
    expect(result.generation.images.map((i: any) => i.review.verdict)).toEqual(['PASS', 'PASS']);
    expect(gemini.requests.filter(isReview)).toHaveLength(3);
  });

  test("a review answer of only thoughts (MAX_TOKENS, no text) is asked again once with twice the limit", async () => {
    gemini.reset();
    gemini.script({
      reply: (r) => (isReview(r) ? { text: JSON.stringify(FAITHFUL_REVIEW), thoughtTokens: r.body.generationConfig.maxOutputTokens <= 1024 ? 1024 : 0 } : defaultGeminiReply(r)),
    });
    const result = await run('vision-thoughts', ['#5a7230', '#72305a', '#a87a60']);
    expect(result.generation.images.map((i: any) => i.review.verdict)).toEqual(['PASS', 'PASS']);
    expect(gemini.requests.filter(isReview).map((r) => r.body.generationConfig.maxOutputTokens).sort()).toEqual([1024, 1024, 2048, 2048]);
  });
});

