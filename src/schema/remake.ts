// remakeImage: one free re-make of an image that failed the review (a job: watch generationEvents(id)
// with the re-make's id, or read remake(id) and the batch).
import type { RemakeRecord } from '../studio/ports.js';
import { InvalidInputError, StudioError } from '../studio/errors.js';
import { imageIdOf } from '../studio/image-ids.js';
import { requireViewer } from './auth.js';
import { builder } from './builder.js';
import { GenerationStatusEnum } from './enums.js';
import { Generation } from './generation.js';

const ImageRemake = builder.objectRef<RemakeRecord>('ImageRemake').implement({
  description: "A free re-make of one image that failed the review. When it SUCCEEDED and the new image is better, it has taken the old one's place in the batch.",
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.expose('status', { type: GenerationStatusEnum }),
    imageId: t.id({ resolve: (r) => imageIdOf(r.generationId, r.imageIndex) }),
    generation: t.field({
      type: Generation,
      nullable: true,
      resolve: (r, _, ctx) => ctx.services.studio.generationOf(r.userId, r.generationId),
    }),
    error: t.exposeString('error', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

const RemakeImageInput = builder.inputType('RemakeImageInput', {
  fields: (t) => ({ imageId: t.id({ required: true, description: 'GeneratedImage.id of an image whose review is FAIL' }) }),
});

const RemakeImageSuccess = builder.objectRef<{ remake: RemakeRecord }>('RemakeImageSuccess').implement({
  description: 'The re-make is queued (or, asked again, the first one as it stands). It costs nothing.',
  fields: (t) => ({ remake: t.field({ type: ImageRemake, resolve: (o) => o.remake }) }),
});

builder.mutationField('remakeImage', (t) =>
  t.field({
    type: RemakeImageSuccess,
    description: 'Makes one image that failed the review again, free: once per image.',
    errors: { types: [InvalidInputError, StudioError], directResult: true, union: { name: 'RemakeImageResult' } },
    args: { input: t.arg({ type: RemakeImageInput, required: true }) },
    resolve: async (_, { input }, ctx) => ({ remake: await ctx.services.remakes.remakeImage(requireViewer(ctx).userId, String(input.imageId)) }),
  }),
);

builder.queryField('remake', (t) =>
  t.field({
    type: ImageRemake,
    nullable: true,
    description: "One of the caller's re-makes; null if it does not exist or belongs to someone else.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.remakes.remakeOf(requireViewer(ctx).userId, String(id)),
  }),
);
