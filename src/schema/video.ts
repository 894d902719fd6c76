// A clip (one paid video of one image), startVideo, cancelVideo and the owner's look-up. Progress:
// generationEvents(id: <video id>), or by the idempotencyKey before sending startVideo.
import { InvalidInputError, InsufficientCoinsError, RateLimitedError, StudioError } from '../studio/errors.js';
import type { VideoOutcome } from '../studio/clips.js';
import { imageIdOf } from '../studio/image-ids.js';
import type { VideoRecord } from '../studio/ports.js';
import { requireViewer } from './auth.js';
import { builder } from './builder.js';
import { GenerationStatusEnum, VideoPromptVersionEnum } from './enums.js';

export const Video = builder.objectRef<VideoRecord>('Video').implement({
  description: 'A clip made from one image, paid for once. url and posterUrl are signed links that expire; read the video again for fresh ones.',
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.expose('status', { type: GenerationStatusEnum }),
    imageId: t.id({ description: 'The image it animates', resolve: (v) => imageIdOf(v.generationId, v.imageIndex) }),
    version: t.expose('version', { type: VideoPromptVersionEnum }),
    prompt: t.exposeString('prompt', { description: "What the video model was asked: prompt A or B written for its profile, or the seller's own" }),
    url: t.string({
      nullable: true,
      description: 'The MP4 (H.264, +faststart), once SUCCEEDED: a signed link that expires (MEDIA_URL_TTL_SECONDS)',
      resolve: (v, _, ctx) => (v.result ? ctx.services.storage.signedUrl(v.result.videoKey) : null),
    }),
    posterUrl: t.string({
      nullable: true,
      description: 'A JPEG of the first frame, once SUCCEEDED: a signed link that expires',
      resolve: (v, _, ctx) => (v.result ? ctx.services.storage.signedUrl(v.result.posterKey) : null),
    }),
    durationSeconds: t.exposeInt('durationSeconds'),
    width: t.int({ nullable: true, resolve: (v) => v.result?.width ?? null }),
    height: t.int({ nullable: true, resolve: (v) => v.result?.height ?? null }),
    hasAudio: t.boolean({ nullable: true, description: 'Whether the clip has a sound track (the model made one)', resolve: (v) => v.result?.hasAudio ?? null }),
    model: t.exposeString('model', { description: "The video model that made it (a fal model id, or 'local')" }),
    cost: t.exposeInt('cost', { description: 'Coins charged (refunded if the clip failed)' }),
    warnings: t.exposeStringList('warnings', { description: 'e.g. a length the model could not make exactly: the nearest it makes' }),
    error: t.exposeString('error', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

const StartVideoInput = builder.inputType('StartVideoInput', {
  fields: (t) => ({
    imageId: t.id({ required: true, description: 'GeneratedImage.id of one of your finished batches' }),
    version: t.field({ type: VideoPromptVersionEnum, defaultValue: 'A' }),
    prompt: t.string({ description: "Your own prompt instead of A or B (within the video model's prompt limit)" }),
    durationSeconds: t.int({
      description: "Seconds (default 6). A model that cannot make this length makes the nearest it can, said in a warning; one outside its range is an InvalidInputError.",
    }),
    idempotencyKey: t.string({ description: 'Retrying with the same key returns the same video and charges once' }),
    webhookUrl: t.string({ description: 'Called (POST, Standard Webhooks, type video.finished) once the clip has finished. https and a public address only.' }),
  }),
});

const outcomeType = (name: string, description: string) =>
  builder.objectRef<VideoOutcome>(name).implement({
    description,
    fields: (t) => ({
      video: t.field({ type: Video, resolve: (o) => o.video }),
      remainingCoins: t.exposeInt('remainingCoins'),
    }),
  });

const StartVideoSuccess = outcomeType('StartVideoSuccess', 'The clip is paid for and queued: video.status is QUEUED (for a retried idempotencyKey, the original as it stands). Watch generationEvents(id: video.id) or query video(id).');

builder.mutationField('startVideo', (t) =>
  t.field({
    type: StartVideoSuccess,
    description: 'Makes a short video (6 s by default) from one of your images with prompt A or B. Costs coins (see videoQuote); answers as soon as the job is queued.',
    errors: { types: [RateLimitedError, InsufficientCoinsError, InvalidInputError, StudioError], directResult: true, union: { name: 'StartVideoResult' } },
    args: { input: t.arg({ type: StartVideoInput, required: true }) },
    resolve: (_, { input }, ctx) =>
      ctx.services.clips.start({
        userId: requireViewer(ctx).userId,
        imageId: String(input.imageId),
        version: input.version ?? 'A',
        prompt: input.prompt ?? null,
        durationSeconds: input.durationSeconds ?? null,
        idempotencyKey: input.idempotencyKey ?? null,
        webhookUrl: input.webhookUrl ?? null,
      }),
  }),
);

builder.queryField('video', (t) =>
  t.field({
    type: Video,
    nullable: true,
    description: "One of the caller's videos; null if it does not exist or belongs to someone else.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.clips.videoOf(requireViewer(ctx).userId, String(id)),
  }),
);

const VideoQuote = builder.objectRef<{ coins: number; durationSeconds: number; model: string }>('VideoQuote').implement({
  description: 'What a clip would cost with the configured video model.',
  fields: (t) => ({
    coins: t.exposeInt('coins'),
    durationSeconds: t.exposeInt('durationSeconds', { description: 'The length it would be made at (the nearest the model makes)' }),
    model: t.exposeString('model'),
  }),
});

builder.queryField('videoQuote', (t) =>
  t.field({
    type: VideoQuote,
    description: 'The price of a clip of durationSeconds (default 6) with the configured model. Public.',
    args: { durationSeconds: t.arg.int() },
    resolve: (_, { durationSeconds }, ctx) => {
      const { clips } = ctx.services;
      const seconds = durationSeconds ?? null;
      return { coins: clips.quote(seconds), durationSeconds: clips.duration(seconds), model: clips.model.id };
    },
  }),
);

const CancelVideoInput = builder.inputType('CancelVideoInput', {
  fields: (t) => ({ id: t.id({ required: true }) }),
});

const CancelVideoSuccess = outcomeType('CancelVideoSuccess', 'The clip is CANCELED (its fal job too) and its coins are back.');

builder.mutationField('cancelVideo', (t) =>
  t.field({
    type: CancelVideoSuccess,
    description: 'Stops one of your queued or running clips and refunds it at once. A finished one is an InvalidInputError.',
    errors: { types: [InvalidInputError, StudioError], directResult: true, union: { name: 'CancelVideoResult' } },
    args: { input: t.arg({ type: CancelVideoInput, required: true }) },
    resolve: (_, { input }, ctx) => ctx.services.clips.cancel(requireViewer(ctx).userId, String(input.id)),
  }),
);
