// What each image model can read, in one table: the prompt composer works to `budget`, the studio
// sends at most `maxReferences` photos, and `safety` says whether the output flags unsafe images
// itself (otherwise the vision model checks each output). Figures are from the vendors' pages,
// cited per row; where a vendor gives a window far larger than a product photo needs, the cap is
// ours and says so. Unknown model ids still work: they get the generic profile and a start-up warning.

export type TextCount = 't5-tokens' | 'words' | 'chars';

export interface ModelProfile {
  id: string;
  mode: 'TEXT_TO_IMAGE' | 'REFERENCE' | 'ANY';
  /** the text encoder and how its window is counted */
  textEncoder: string;
  budget: {
    /** conservative T5 token estimate (budget.ts); set where the encoder truncates */
    t5Tokens?: number;
    words?: number;
    /** always set: a plain check any prompt is held to */
    chars: number;
  };
  /** photos the model reads; extra ones are not sent */
  maxReferences: number;
  /** how the prompt names the n-th entry of image_urls */
  referenceLabel: 'image' | 'Figure';
  /** how the output size is asked for */
  size: { param: 'image_size'; longEdge: number; minPixels: number } | { param: 'aspect_ratio'; resolution?: string };
  /** the output field flagging unsafe images, or null when the model reports none */
  safety: 'has_nsfw_concepts' | null;
  /** takes a `seed`: one per batch keeps the product from morphing between its images */
  seed: boolean;
  priceUnit: string;
  source: string;
}

export const MODEL_PROFILES: readonly ModelProfile[] = [
  {
    id: 'fal-ai/flux/schnell',
    mode: 'TEXT_TO_IMAGE',
    textEncoder: 'T5-XXL, truncated at 256 tokens (CLIP-L reads only the first 77)',
    budget: { t5Tokens: 256, chars: 1000 },
    maxReferences: 0,
    referenceLabel: 'image',
    size: { param: 'image_size', longEdge: 1024, minPixels: 0 },
    safety: 'has_nsfw_concepts',
    seed: true,
    priceUnit: 'per megapixel of output',
    source: 'https://github.com/black-forest-labs/flux (max_length=256 for schnell); https://fal.ai/models/fal-ai/flux/schnell/api',
  },
  {
    id: 'fal-ai/bytedance/seedream/v4.5/edit',
    mode: 'REFERENCE',
    textEncoder: 'Seedream 4.5 (ByteDance); prompts up to ~600 English words recommended',
    budget: { words: 600, chars: 2400 },
    maxReferences: 10,
    referenceLabel: 'Figure',
    // "width and height between 1920 and 4096, or total pixels between 2560×1440 and 4096×4096"
    size: { param: 'image_size', longEdge: 2048, minPixels: 2560 * 1440 },
    safety: null,
    seed: true,
    priceUnit: 'per output image ($0.04)',
    source: 'https://fal.ai/docs/model-api-reference/image-generation-api/bytedance-seedream-v4.5',
  },
  {
    id: 'fal-ai/bytedance/seedream/v4/edit',
    mode: 'REFERENCE',
    textEncoder: 'Seedream 4.0 (ByteDance)',
    budget: { words: 600, chars: 2400 },
    maxReferences: 10,
    referenceLabel: 'Figure',
    // "the minimum total image area is 921600 pixels"
    size: { param: 'image_size', longEdge: 2048, minPixels: 921_600 },
    safety: null,
    seed: true,
    priceUnit: 'per output image ($0.03)',
    source: 'https://fal.ai/models/fal-ai/bytedance/seedream/v4/edit/api',
  },
  {
    id: 'fal-ai/nano-banana-2/edit',
    mode: 'REFERENCE',
    textEncoder: 'Gemini 3.1 Flash Image (an LLM: a window far beyond any product prompt; 2400 chars is our cap)',
    budget: { chars: 2400 },
    // fal's page states no maximum for image_urls; six (every upload slot) is all we ever send
    maxReferences: 6,
    referenceLabel: 'image',
    size: { param: 'aspect_ratio', resolution: '2K' },
    safety: null,
    seed: false,
    priceUnit: 'per output image ($0.08 at 1K, ×1.5 at 2K)',
    source: 'https://fal.ai/models/fal-ai/nano-banana-2/edit/llms.txt',
  },
  {
    id: 'fal-ai/flux-2/edit',
    mode: 'REFERENCE',
    textEncoder: 'FLUX.2 (Mistral-based encoder: a long window; 2400 chars is our cap)',
    budget: { chars: 2400 },
    maxReferences: 4,
    referenceLabel: 'image',
    size: { param: 'image_size', longEdge: 2048, minPixels: 0 },
    safety: 'has_nsfw_concepts',
    seed: true,
    priceUnit: 'per megapixel of input and output',
    source: 'https://fal.ai/models/fal-ai/flux-2/edit/api (4 references read; more are dropped silently)',
  },
  {
    id: 'local',
    mode: 'ANY',
    textEncoder: 'none (the offline generator composes the photos)',
    budget: { chars: 2400 },
    maxReferences: 6,
    referenceLabel: 'image',
    size: { param: 'image_size', longEdge: 1024, minPixels: 0 },
    safety: null,
    seed: true,
    priceUnit: 'free',
    source: 'src/adapters/generate/local.ts',
  },
];

/** For a model id nobody profiled: the tightest text window of the known ones, so nothing is lost to truncation. */
const GENERIC: Omit<ModelProfile, 'id' | 'mode'> = {
  textEncoder: 'unknown',
  budget: { t5Tokens: 256, chars: 1000 },
  maxReferences: 4,
  referenceLabel: 'image',
  size: { param: 'image_size', longEdge: 2048, minPixels: 921_600 },
  safety: null,
  seed: false,
  priceUnit: 'unknown',
  source: 'none',
};

export const knownProfile = (id: string): ModelProfile | undefined => MODEL_PROFILES.find((p) => p.id === id);

/** (PACKSHOT runs no image model: read as TEXT_TO_IMAGE where a profile is asked for) */
export function profileFor(id: string, mode: 'TEXT_TO_IMAGE' | 'REFERENCE' | 'PACKSHOT'): ModelProfile {
  return knownProfile(id) ?? { ...GENERIC, id, mode: mode === 'PACKSHOT' ? 'TEXT_TO_IMAGE' : mode };
}

/** Vision/text models the Gemini adapters know how to configure (thinking settings per family). */
export const KNOWN_GEMINI = /^gemini-(2\.5-(flash|flash-lite|pro)|3(\.\d+)?-(flash|flash-lite|pro))(-preview(-[\w-]+)?|-\d{3})?$/;

/** One line per configured model that no profile describes: worth a look, never a refusal. */
export function unknownModelWarnings(models: { describer?: string; text?: string; edit?: string }): string[] {
  const warnings: string[] = [];
  if (models.describer && models.describer.startsWith('gemini') && !KNOWN_GEMINI.test(models.describer)) {
    warnings.push(`describer model "${models.describer}" is not a known Gemini family: thinking settings are left to the model's defaults`);
  }
  for (const [what, id] of [['text', models.text], ['edit', models.edit]] as const) {
    if (id && !knownProfile(id)) {
      warnings.push(`${what} model "${id}" has no profile: prompts are held to ${GENERIC.budget.chars} characters and ${GENERIC.maxReferences} photos`);
    }
  }
  return warnings;
}
