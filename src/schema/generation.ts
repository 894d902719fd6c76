// A generation (one paid batch), the generateImages mutation and the owner's look-up.
import type { GenerateOutcome } from '../studio/start.js';
import { COUNT_RULE, MAX_PRODUCT_IMAGES, PRODUCT_IMAGES_RULE, PROMPT_LIMIT } from '../studio/request.js';
import type { Description, GenerationRecord } from '../studio/ports.js';
import { builder, type UploadedFile } from './builder.js';
import { GenerationModeEnum, GenerationStatusEnum, ImageSlotEnum, MarketplacePresetEnum } from './enums.js';
import { InvalidInputError, StudioError } from '../studio/errors.js';
import { GENERATE_ERRORS } from './errors.js';
import { GeneratedImage } from './image.js';
import { StyleOptionsInput } from './style.js';
import { requireViewer } from './auth.js';

const DescriptionRef = builder.objectRef<Description>('Description').implement({
  description: 'What the vision model saw in one uploaded photo.',
  fields: (t) => ({
    slot: t.expose('slot', { type: ImageSlotEnum }),
    text: t.exposeString('text'),
  }),
});

export const Generation = builder.objectRef<GenerationRecord>('Generation').implement({
  description: 'One batch of campaign photos, paid for once.',
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.expose('status', { type: GenerationStatusEnum }),
    mode: t.expose('mode', { type: GenerationModeEnum }),
    count: t.exposeInt('count'),
    cost: t.exposeInt('cost', { description: 'Coins charged (refunded if the generation failed)' }),
    descriptions: t.field({ type: [DescriptionRef], resolve: (g) => g.descriptions }),
    enhancedPrompt: t.exposeString('enhancedPrompt', { nullable: true }),
    images: t.field({ type: [GeneratedImage], resolve: (g) => g.images.map((image, i) => ({ ...image, generationId: g.id, index: i + 1 })) }),
    warnings: t.exposeStringList('warnings'),
    zipUrl: t.string({
      nullable: true,
      description: 'Every image, its exports and cutout, and prompts.txt as one ZIP, behind a signed link that expires (MEDIA_URL_TTL_SECONDS); null while there are no images',
      resolve: (g, _, ctx) => (g.images.length ? ctx.services.downloads.generationZipUrl(g.id) : null),
    }),
    error: t.exposeString('error', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

const GenerateImagesInput = builder.inputType('GenerateImagesInput', {
  fields: (t) => ({
    productImages: t.field({
      type: ['Upload'],
      description: `Up to ${MAX_PRODUCT_IMAGES} product photos (JPEG, PNG or WebP)`,
      validate: PRODUCT_IMAGES_RULE,
    }),
    faceImage: t.field({ type: 'Upload', description: "The model's face, for MODEL content" }),
    backgroundImage: t.field({ type: 'Upload', description: 'The environment to place the product in' }),
    options: t.field({ type: StyleOptionsInput }),
    // Length and content are checked by the studio (characters, not UTF-16 units; no control characters).
    prompt: t.string({ description: `Extra direction in your own words (≤ ${PROMPT_LIMIT} characters)` }),
    count: t.int({ defaultValue: 2, validate: COUNT_RULE }),
    mode: t.field({ type: GenerationModeEnum, defaultValue: 'TEXT_TO_IMAGE' }),
    idempotencyKey: t.string({
      description: 'Retrying with the same key returns the same generation and charges once',
    }),
    webhookUrl: t.string({
      description:
        'Called (POST, Standard Webhooks signature) once the generation has finished. https and a public address only.',
    }),
    exports: t.field({ type: [MarketplacePresetEnum], description: 'Every image is also made to these marketplace presets, in the job, with a compliance report (GeneratedImage.exports)' }),
    shadow: t.boolean({ description: 'PACKSHOT: a soft contact shadow under the product' }),
  }),
});

/** What a generation mutation answers with: the generation as it stands and the caller's balance. */
const outcomeType = (name: string, description: string) =>
  builder.objectRef<GenerateOutcome>(name).implement({
    description,
    fields: (t) => ({
      generation: t.field({ type: Generation, resolve: (o) => o.generation }),
      remainingCoins: t.exposeInt('remainingCoins'),
    }),
  });

const GenerateImagesSuccess = outcomeType('GenerateImagesSuccess', 'The batch was paid for. generation.status is SUCCEEDED, or QUEUED/RUNNING when it is still unfinished past its deadline (a worker died and another is finishing it: watch generationEvents or query generation(id)).');

// Yoga's files (@whatwg-node's File) keep the multipart chunks they were parsed from and answer
// arrayBuffer() with a fresh concatenation: two copies of every upload for as long as the request
// lives. The file is pointed at the one contiguous copy, which the studio reads through a view.
export const bytesOf = async (file: UploadedFile): Promise<Uint8Array> => {
  const data: ArrayBuffer | ArrayBufferView = await file.arrayBuffer();
  const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
  const parsed = file as { blobParts?: unknown; _buffer?: unknown };
  if (Array.isArray(parsed.blobParts) && parsed.blobParts.length > 1) {
    const whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    parsed.blobParts = [whole];
    parsed._buffer = whole;
  }
  return bytes;
};
const maybeBytesOf = async (file: UploadedFile | null | undefined) => (file ? bytesOf(file) : null);

type Input = typeof GenerateImagesInput.$inferInput;
const commandOf = async (userId: string, input: Input) => ({
  userId,
  productImages: await Promise.all((input.productImages ?? []).map(bytesOf)),
  faceImage: await maybeBytesOf(input.faceImage),
  backgroundImage: await maybeBytesOf(input.backgroundImage),
  options: input.options ?? null,
  prompt: input.prompt ?? null,
  count: input.count ?? 2,
  mode: input.mode ?? 'TEXT_TO_IMAGE',
  idempotencyKey: input.idempotencyKey ?? null,
  webhookUrl: input.webhookUrl ?? null,
  exports: input.exports ?? null,
  shadow: input.shadow ?? null,
});

const StartGenerationSuccess = outcomeType('StartGenerationSuccess', 'The batch is paid for and queued: generation.status is QUEUED (for a retried idempotencyKey, the original as it stands). Watch generationEvents(id) or query generation(id).');

builder.mutationField('startGeneration', (t) =>
  t.field({
    type: StartGenerationSuccess,
    description: 'Same input, checks and price as generateImages, but answers as soon as the job is queued; a worker runs it.',
    errors: { types: GENERATE_ERRORS, directResult: true, union: { name: 'StartGenerationResult' } },
    args: { input: t.arg({ type: GenerateImagesInput, required: true }) },
    resolve: async (_, { input }, ctx) => ctx.services.studio.start(await commandOf(requireViewer(ctx).userId, input)),
  }),
);

builder.mutationField('generateImages', (t) =>
  t.field({
    type: GenerateImagesSuccess,
    description: 'Upload photos, pick a style, get a batch of campaign photos with video prompts. Costs coins (see quote).',
    errors: { types: GENERATE_ERRORS, directResult: true, union: { name: 'GenerateImagesResult' } },
    args: { input: t.arg({ type: GenerateImagesInput, required: true }) },
    resolve: async (_, { input }, ctx) => ctx.services.studio.generate(await commandOf(requireViewer(ctx).userId, input)),
  }),
);

builder.queryField('generation', (t) =>
  t.field({
    type: Generation,
    nullable: true,
    description: "One of the caller's generations; null if it does not exist or belongs to someone else.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.studio.generationOf(requireViewer(ctx).userId, String(id)),
  }),
);

const CancelGenerationInput = builder.inputType('CancelGenerationInput', {
  fields: (t) => ({ id: t.id({ required: true }) }),
});

const CancelGenerationSuccess = outcomeType('CancelGenerationSuccess', 'The generation is CANCELED and its coins are back.');

builder.mutationField('cancelGeneration', (t) =>
  t.field({
    type: CancelGenerationSuccess,
    description: 'Stops one of your queued or running generations and refunds it at once. A finished one is an InvalidInputError.',
    errors: { types: [InvalidInputError, StudioError], directResult: true, union: { name: 'CancelGenerationResult' } },
    args: { input: t.arg({ type: CancelGenerationInput, required: true }) },
    resolve: (_, { input }, ctx) => ctx.services.studio.cancel(requireViewer(ctx).userId, String(input.id)),
  }),
);
