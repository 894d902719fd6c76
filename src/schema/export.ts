// exportImage: one image of a finished batch made to a marketplace preset (a job of its own kind; the
// answer waits for it) with its compliance report; and the owner's look-up of such a job.
import type { ExportRecord } from '../studio/ports.js';
import { InvalidInputError, InsufficientCoinsError, RateLimitedError, StudioError } from '../studio/errors.js';
import { imageIdOf } from '../studio/image-ids.js';
import { requireViewer } from './auth.js';
import { builder } from './builder.js';
import { GenerationStatusEnum, MarketplacePresetEnum } from './enums.js';
import { GeneratedImage } from './image.js';

const ExportJob = builder.objectRef<ExportRecord>('ExportJob').implement({
  description: "An exportImage job. When it SUCCEEDED, the export is in its image's `exports` (one per preset).",
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.expose('status', { type: GenerationStatusEnum }),
    preset: t.expose('preset', { type: MarketplacePresetEnum }),
    imageId: t.id({ resolve: (e) => imageIdOf(e.generationId, e.imageIndex) }),
    image: t.field({
      type: GeneratedImage,
      nullable: true,
      description: 'The image as it stands, with its exports',
      resolve: async (e, _, ctx) => {
        const g = await ctx.services.studio.generationOf(e.userId, e.generationId);
        const image = g?.images[e.imageIndex - 1];
        return image ? { ...image, generationId: e.generationId, index: e.imageIndex } : null;
      },
    }),
    cost: t.exposeInt('cost', { description: 'Coins charged (PRICE_EXPORT; refunded if it failed)' }),
    error: t.exposeString('error', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

const ExportImageInput = builder.inputType('ExportImageInput', {
  fields: (t) => ({
    imageId: t.id({ required: true, description: 'GeneratedImage.id of one of your images' }),
    preset: t.field({ type: MarketplacePresetEnum, required: true }),
  }),
});

const ExportImageSuccess = builder.objectRef<{ job: ExportRecord }>('ExportImageSuccess').implement({
  description: 'The export job as it stands once settled (asked again for the same image and preset, the first one).',
  fields: (t) => ({ job: t.field({ type: ExportJob, resolve: (o) => o.job }) }),
});

builder.mutationField('exportImage', (t) =>
  t.field({
    type: ExportImageSuccess,
    description: "Makes one of your images to a marketplace's main-image rules (square, white padding, size, byte cap) and measures it against them.",
    errors: { types: [InvalidInputError, InsufficientCoinsError, RateLimitedError, StudioError], directResult: true, union: { name: 'ExportImageResult' } },
    args: { input: t.arg({ type: ExportImageInput, required: true }) },
    resolve: async (_, { input }, ctx) => ({ job: await ctx.services.exports.exportImage(requireViewer(ctx).userId, String(input.imageId), input.preset) }),
  }),
);

builder.queryField('exportJob', (t) =>
  t.field({
    type: ExportJob,
    nullable: true,
    description: "One of the caller's export jobs; null if it does not exist or belongs to someone else.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.exports.exportOf(requireViewer(ctx).userId, String(id)),
  }),
);
