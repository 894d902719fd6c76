// The prompt composer over a matrix of content types × categories × uploaded slots × modes × model
// profiles, plus the prompt stage's fallbacks. Pure functions: no network, no database.
import { describe, expect, it } from 'vitest';
import type { DescribeOutcome } from '../src/studio/describe.js';
import { parseStyleOptions } from '../src/studio/options.js';
import type { Description, GenerationMode, Generator, PreparedImage, PromptWriter, Slot } from '../src/studio/ports.js';
import { estimateT5Tokens, fits } from '../src/studio/prompt/budget.js';
import { composePrompt } from '../src/studio/prompt/compose.js';
import { MODEL_PROFILES, profileFor, unknownModelWarnings } from '../src/studio/prompt/profiles.js';
import { planReferences, rolesSentence } from '../src/studio/prompt/roles.js';
import { promptStage } from '../src/studio/prompt/stage.js';
import { lastWholeSentence } from '../src/studio/prompt/text.js';
import { posesFor } from '../src/studio/style-catalog.js';

const INDONESIAN_SENTENCES = [
  'Tolong buat foto produk ini terlihat mewah dan elegan untuk toko online saya.',
  'Gunakan suasana kafe yang cerah dengan tanaman hijau dan meja kayu.',
  'Model tersenyum natural dan memegang produk dengan tangan kanan.',
  'Warna produk harus sama persis dengan foto asli, jangan diubah sama sekali.',
  'Logo di bagian depan harus terlihat jelas dan tidak boleh terpotong.',
  'Cahaya pagi yang lembut dari jendela sebelah kiri akan sangat bagus.',
  'Jangan tambahkan tulisan atau watermark apa pun di gambar.',
  'Buat komposisi yang bersih supaya cocok untuk Shopee dan Tokopedia.',
  'Fokus utama tetap pada produk, latar belakang boleh sedikit blur.',
  'Saya ingin kesan santai tapi tetap profesional untuk pelanggan muda.',
  'Kalau bisa tampilkan tekstur bahan dengan detail yang tajam.',
  'Terima kasih banyak atas bantuannya, semoga hasilnya memuaskan.',
  'Sekali lagi, warna asli produk adalah hal yang paling penting bagi saya.',
  'Pastikan ukuran produk terlihat proporsional dengan tubuh model.',
];
/** A 1000-character seller text in Indonesian, cut at a sentence end as a seller would write it. */
const SELLER_TEXT = INDONESIAN_SENTENCES.reduce((text, s) => (text.length + s.length + 1 <= 1000 ? `${text} ${s}`.trim() : text), '');

const DESCRIPTIONS: Record<string, string> = {
  PRODUCT_1: 'A tan full-grain leather tote bag with two rolled handles and a gold clasp stamped "KIRANA". It has contrast white stitching along every edge.',
  PRODUCT_2: 'A tan leather tote bag with rolled handles and a gold clasp stamped "KIRANA". The inside is lined with olive green canvas.',
  PRODUCT_3: 'The back of a tan leather tote with a flat slip pocket and white stitching.',
  PRODUCT_4: 'Close-up of a gold metal clasp engraved "KIRANA" on tan leather.',
  FACE: 'A young Indonesian woman with an oval face, warm medium skin tone and long straight black hair. She has a soft, friendly smile.',
  BACKGROUND: 'A bright cafe terrace with wooden tables, potted green plants and warm morning light. The mood is relaxed and airy.',
};

const CATEGORIES = ['FASHION', 'BEAUTY', 'BAGS', 'FOOTWEAR', 'ACCESSORIES', 'HOME_LIVING', 'FOOD_BEVERAGE'];
const UPLOADS: Slot[][] = [
  [],
  ['PRODUCT_1'],
  ['PRODUCT_1', 'PRODUCT_2', 'PRODUCT_3', 'PRODUCT_4'],
  ['PRODUCT_1', 'BACKGROUND'],
  ['PRODUCT_1', 'PRODUCT_2', 'PRODUCT_3', 'PRODUCT_4', 'FACE', 'BACKGROUND'],
];
const EDIT_MODELS = ['fal-ai/bytedance/seedream/v4.5/edit', 'fal-ai/bytedance/seedream/v4/edit', 'fal-ai/nano-banana-2/edit', 'fal-ai/flux-2/edit'];

interface Case {
  name: string;
  mode: GenerationMode;
  model: string;
  contentType: 'MODEL' | 'PRODUCT_ONLY';
  category: string;
  uploaded: Slot[];
  freeText: string | null;
}

const cases: Case[] = [];
for (const contentType of ['MODEL', 'PRODUCT_ONLY'] as const) {
  for (const category of CATEGORIES) {
    for (const uploaded of UPLOADS) {
      if (contentType === 'PRODUCT_ONLY' && uploaded.includes('FACE')) continue; // refused by validation
      for (const freeText of [null, SELLER_TEXT]) {
        const base = { contentType, category, uploaded, freeText };
        const tag = `${contentType} ${category} [${uploaded.join(',') || 'no photos'}]${freeText ? ' +seller text' : ''}`;
        cases.push({ ...base, name: `TEXT_TO_IMAGE flux/schnell ${tag}`, mode: 'TEXT_TO_IMAGE', model: 'fal-ai/flux/schnell' });
        if (uploaded.length) for (const model of EDIT_MODELS) cases.push({ ...base, name: `REFERENCE ${model} ${tag}`, mode: 'REFERENCE', model });
      }
    }
  }
}

function compose(c: Case) {
  const pose = posesFor(c.contentType, c.category)[0]?.value;
  const options = parseStyleOptions(
    {
      contentType: c.contentType,
      category: c.category,
      ...(c.contentType === 'MODEL' ? { modelType: 'WOMAN' } : { interaction: 'ONE_HAND_WOMAN' }),
      pose,
      style: 'Lifestyle',
      lighting: 'Natural Daylight',
      cameraAngle: 'Medium Shot',
      aspectRatio: '3:4',
      ...(c.uploaded.includes('BACKGROUND') ? {} : { background: 'MINIMALIST' }),
    },
    c.uploaded.includes('BACKGROUND'),
  );
  const profile = profileFor(c.model, c.mode);
  const descriptions: Description[] = c.uploaded.map((slot) => ({ slot, text: DESCRIPTIONS[slot]! }));
  const sent = c.mode === 'REFERENCE' ? planReferences(c.uploaded.map((slot) => ({ slot })), [], profile.maxReferences).sent.map((s) => s.slot) : [];
  const prompt = composePrompt({ options, descriptions, sent, freeText: c.freeText, mode: c.mode }, profile);
  return { prompt, profile, sent };
}

describe(`prompt matrix (${cases.length} cases)`, () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const { prompt, profile, sent } = compose(c);

    // within the profile's budget; schnell's is 256 estimated T5 tokens and 1000 characters
    expect(fits(prompt, profile.budget)).toBe(true);
    if (c.model === 'fal-ai/flux/schnell') {
      expect(estimateT5Tokens(prompt)).toBeLessThanOrEqual(256);
      expect(prompt.length).toBeLessThanOrEqual(1000);
    }

    // clean sentence ends, nothing run together, no doubled words
    expect(prompt).toMatch(/[.!?]$/);
    for (const s of prompt.split(/(?<=[.!?]["']?)\s+(?=[A-Z"])/)) expect(s).toMatch(/[.!?]["']?$/);
    expect(prompt).not.toMatch(/\b(\w+)\s+\1\b/i);
    expect(prompt).not.toMatch(/lifestyle style|shot shot|\.\.|,\./i);

    // the product's quoted logo text survives every budget
    if (c.uploaded.some((s) => s.startsWith('PRODUCT'))) expect(prompt).toContain('"KIRANA"');
    // several product photos: one merged description, the repeated first sentence said once
    expect(prompt.split('rolled handles').length - 1).toBeLessThanOrEqual(1);

    if (c.mode === 'TEXT_TO_IMAGE') {
      expect(prompt).not.toMatch(/\breferences?\b|\b(image|figure)s? \d/i);
    } else {
      const roles = rolesSentence(sent, profile.referenceLabel);
      expect(prompt).toContain(roles);
      const label = profile.referenceLabel;
      const products = sent.filter((s) => s.startsWith('PRODUCT')).length;
      const lowered = roles.toLowerCase();
      if (products > 1) expect(lowered).toContain(`${label}s 1 to ${products} show the same product`.toLowerCase());
      if (sent.includes('FACE')) expect(lowered).toContain(`${label} ${sent.indexOf('FACE') + 1} shows the model's face`.toLowerCase());
      if (sent.includes('BACKGROUND')) expect(lowered).toContain(`${label} ${sent.indexOf('BACKGROUND') + 1} shows the background`.toLowerCase());
      // no position beyond what is sent
      expect(prompt).not.toMatch(new RegExp(`\\b${label}s? ${sent.length + 1}\\b`, 'i'));
    }

    // the seller's words appear only as whole sentences of what they wrote
    if (c.freeText) {
      const kept = INDONESIAN_SENTENCES.filter((s) => prompt.includes(s.slice(0, -1)));
      const fragment = /Seller's direction: ([^.]*\.)/.exec(prompt)?.[1];
      if (fragment) expect(INDONESIAN_SENTENCES.some((s) => s.startsWith(fragment.slice(0, -1)))).toBe(true);
      expect(kept.length).toBeGreaterThanOrEqual(0);
    }
  });

  it('the 4 products + face + background + 1000-character seller text case, as each model receives it', () => {
    expect(SELLER_TEXT.length).toBeGreaterThan(940);
    const full = cases.filter((c) => c.uploaded.length === 6 && c.freeText && c.category === 'BAGS');
    const schnell = compose(full.find((c) => c.mode === 'TEXT_TO_IMAGE')!).prompt;
    const seedream = compose(full.find((c) => c.model === 'fal-ai/bytedance/seedream/v4.5/edit')!).prompt;
    const flux2 = compose(full.find((c) => c.model === 'fal-ai/flux-2/edit')!);
    // schnell: the subject, the product and the face come first and survive
    expect(schnell).toMatch(/^Professional e-commerce campaign photo of an Indonesian woman model carrying the bag/);
    expect(schnell).toContain('The model: a young Indonesian woman');
    // Seedream: every input named by position, in image_urls order
    expect(seedream).toContain("Figures 1 to 4 show the same product from different angles; Figure 5 shows the model's face; Figure 6 shows the background.");
    // FLUX.2 edit reads 4: only the products are sent and named
    expect(flux2.sent).toEqual(['PRODUCT_1', 'PRODUCT_2', 'PRODUCT_3', 'PRODUCT_4']);
    expect(flux2.prompt).toContain('Images 1 to 4 show the same product from different angles.');
    expect(flux2.prompt).not.toMatch(/face matches the reference/);
  });
});

describe('budget estimate', () => {
  it('over-counts T5 on ordinary prompt English (a plausible T5 split has 17 pieces; not run against the real tokenizer)', () => {
    // e.g. ▁Professional ▁e - commerce ▁photo ▁of ▁a ▁tan ▁leather ▁to te ▁bag , ▁photo real istic . </s>
    expect(estimateT5Tokens('Professional e-commerce photo of a tan leather tote bag, photorealistic.')).toBeGreaterThanOrEqual(17);
  });

  it('counts digits and capital runs per two characters', () => {
    expect(estimateT5Tokens('KIRANA 2048')).toBe(1 + 3 + 2);
  });

  it('trims only to whole sentences', () => {
    expect(lastWholeSentence('A tan tote. It has two rolled')).toBe('A tan tote.');
    expect(lastWholeSentence('It has two rolled')).toBe('');
  });
});

describe('profiles', () => {
  it('cover flux/schnell, the default edit model and alternatives, each with every field', () => {
    for (const id of ['fal-ai/flux/schnell', 'fal-ai/bytedance/seedream/v4.5/edit', 'fal-ai/nano-banana-2/edit', 'fal-ai/flux-2/edit']) {
      const p = MODEL_PROFILES.find((m) => m.id === id)!;
      expect(p).toBeDefined();
      expect(p.budget.chars).toBeGreaterThan(0);
      expect(p.textEncoder).not.toBe('');
      expect(p.priceUnit).not.toBe('');
      expect(p.source).toMatch(/fal\.ai|github/);
    }
    expect(profileFor('fal-ai/flux/schnell', 'TEXT_TO_IMAGE').budget).toEqual({ t5Tokens: 256, chars: 1000 });
  });

  it('an unknown model id is a warning, not a refusal', () => {
    expect(unknownModelWarnings({ describer: 'gemini-3.5-flash-lite', text: 'fal-ai/flux/schnell', edit: 'fal-ai/bytedance/seedream/v4.5/edit' })).toEqual([]);
    const warnings = unknownModelWarnings({ describer: 'gemini-9-ultra', edit: 'fal-ai/some-new/edit' });
    expect(warnings).toHaveLength(2);
    expect(profileFor('fal-ai/some-new/edit', 'REFERENCE').maxReferences).toBeGreaterThan(0);
  });
});

describe('prompt stage', () => {
  const log = { debug() {}, info() {}, warn() {}, error() {} };
  const image = (slot: Slot) => ({ slot, kind: slot === 'FACE' ? 'face' : slot === 'BACKGROUND' ? 'background' : 'product' }) as unknown as PreparedImage;
  const generator = { name: 'fal', models: { TEXT_TO_IMAGE: 'fal-ai/flux/schnell', REFERENCE: 'fal-ai/bytedance/seedream/v4.5/edit' }, generate: async () => ({ images: [], warnings: [] }) } as Generator;
  const described = (over: Partial<DescribeOutcome> = {}): DescribeOutcome => ({
    descriptions: [{ slot: 'PRODUCT_1', text: DESCRIPTIONS.PRODUCT_1! }],
    warnings: [],
    refused: [],
    allRejected: false,
    bytesUploaded: 0,
    bytesSent: 0,
    ...over,
  });
  const input = (over: Record<string, unknown> = {}) => ({
    mode: 'REFERENCE' as GenerationMode,
    options: parseStyleOptions({ modelType: 'WOMAN', category: 'BAGS' }, true),
    freeText: 'di kafe',
    described: described(),
    references: (['PRODUCT_1', 'FACE', 'BACKGROUND'] as Slot[]).map(image),
    generator,
    writerTimeoutMs: 200,
    log,
    signal: new AbortController().signal,
    ...over,
  });

  it('refused photos are not sent, and the roles name only what is sent', async () => {
    const out = await promptStage(input({ described: described({ refused: ['FACE', 'BACKGROUND'] }) }));
    expect(out.references.map((r) => r.slot)).toEqual(['PRODUCT_1']);
    expect(out.prompt).toContain('Figure 1 shows the product.');
    expect(out.prompt).not.toMatch(/Figure 2|face matches/);
  });

  it('every photo refused in REFERENCE, or every describe rejected in TEXT_TO_IMAGE: the batch fails', async () => {
    await expect(promptStage(input({ described: described({ refused: ['PRODUCT_1', 'FACE', 'BACKGROUND'] }) }))).rejects.toMatchObject({ name: 'GenerationError' });
    await expect(promptStage(input({ mode: 'TEXT_TO_IMAGE', described: described({ descriptions: [], allRejected: true }) }))).rejects.toMatchObject({
      name: 'GenerationError',
      message: expect.stringMatching(/could not be analysed/),
    });
  });

  it.each([
    ['throws', async () => Promise.reject(new Error('HTTP 500'))],
    ['never answers', (_: unknown, signal: AbortSignal) => new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))],
    ['drops the roles sentence', async () => 'A tan "KIRANA" tote on a cafe table.'],
    ['loses the logo text', async (r: any) => `${r.roles} A tan tote on a cafe table.`],
    ['runs past the budget', async (r: any) => `${r.roles} ${'Very detailed tan "KIRANA" tote. '.repeat(200)}`],
  ])('a writer that %s: the composed prompt is used', async (_, write) => {
    const writer: PromptWriter = { vendor: 'test', model: 'test-writer', write: write as PromptWriter['write'] };
    const composed = await promptStage(input());
    const out = await promptStage(input({ writer }));
    expect(out.writtenBy).toBe('composer');
    expect(out.prompt).toBe(composed.prompt);
  });

  it("a writer's valid English prompt is used as written", async () => {
    const writer: PromptWriter = {
      vendor: 'test',
      model: 'test-writer',
      write: async (r) => `${r.roles} Reproduce the tan leather tote with the gold clasp stamped "KIRANA" exactly, carried by the model at a bright cafe.`,
    };
    const out = await promptStage(input({ writer }));
    expect(out.writtenBy).toBe('writer');
    expect(out.prompt).toMatch(/^Figure 1 shows the product; Figure 2 shows the model's face; Figure 3 shows the background\. Reproduce/);
    expect(out.writerMs).not.toBeNull();
  });
});
