// An image of a finished batch: our own copy behind a signed link, its two video prompts, its review,
// its id (to start a clip from it, or to make it again) and the clips made from it.
import { imageIdOf } from '../studio/image-ids.js';
import type { ComplianceCheck, StoredExport, StoredImage, VideoPrompt } from '../studio/ports.js';
import { builder } from './builder.js';
import { ImageReviewRef, NOT_REVIEWED } from './review.js';
import { MarketplacePresetEnum, VideoPromptVersionEnum } from './enums.js';
import { Video } from './video.js';

const VideoPromptRef = builder.objectRef<VideoPrompt>('VideoPrompt').implement({
  description: 'A 6-second image-to-video prompt, written for the default video model (Grok Imagine Video). A: soft natural motion, stable camera. B: slow zoom on texture and branding.',
  fields: (t) => ({
    version: t.expose('version', { type: VideoPromptVersionEnum }),
    text: t.exposeString('text'),
  }),
});

const ComplianceCheckRef = builder.objectRef<ComplianceCheck>('ComplianceCheck').implement({
  description: "One of a marketplace's main-image rules, measured on the export itself (not assumed).",
  fields: (t) => ({
    rule: t.exposeString('rule', { description: 'SIZE, ASPECT, FORMAT, BYTES, BACKGROUND (border whiteness) or PRODUCT_FILL (the long side of the product’s box)' }),
    passed: t.exposeBoolean('passed'),
    measured: t.exposeString('measured'),
    expected: t.exposeString('expected'),
  }),
});

export const ImageExportRef = builder.objectRef<StoredExport>('ImageExport').implement({
  description: 'The image made to a marketplace preset: fitted and padded with white (never cropped), never upscaled, under the byte cap; private, behind a signed link.',
  fields: (t) => ({
    preset: t.expose('preset', { type: MarketplacePresetEnum }),
    url: t.string({ resolve: (e, _, ctx) => ctx.services.storage.signedUrl(e.key) }),
    width: t.exposeInt('width'),
    height: t.exposeInt('height'),
    bytes: t.exposeInt('bytes'),
    contentType: t.exposeString('contentType'),
    compliance: t.field({ type: [ComplianceCheckRef], resolve: (e) => e.compliance }),
    warnings: t.stringList({ resolve: (e) => e.warnings ?? [] }),
  }),
});

/** An image as its generation keeps it, with where it stands there. */
export type ImageOf = StoredImage & { generationId: string; index: number };

export const GeneratedImage = builder.objectRef<ImageOf>('GeneratedImage').implement({
  description: 'An image of a batch. Start a clip from it with startVideo(input: { imageId: id }).',
  fields: (t) => ({
    id: t.id({ description: 'Stable: the batch and the place of the image in it', resolve: (i) => imageIdOf(i.generationId, i.index) }),
    url: t.string({
      description: 'A signed link that expires (MEDIA_URL_TTL_SECONDS); read the generation again for a fresh one',
      resolve: (i, _, ctx) => (i.key ? ctx.services.storage.signedUrl(i.key) : (i.url ?? '')),
    }),
    width: t.exposeInt('width'),
    height: t.exposeInt('height'),
    contentType: t.exposeString('contentType'),
    videoPrompts: t.field({ type: [VideoPromptRef], resolve: (i) => i.videoPrompts }),
    review: t.field({ type: ImageReviewRef, resolve: (i) => i.review ?? NOT_REVIEWED }),
    exports: t.field({ type: [ImageExportRef], description: 'The image made to marketplace presets (one per preset)', resolve: (i) => i.exports ?? [] }),
    cutoutUrl: t.string({
      nullable: true,
      description: 'The product cut out, a transparent PNG (PACKSHOT), behind a signed link',
      resolve: (i, _, ctx) => (i.cutoutKey ? ctx.services.storage.signedUrl(i.cutoutKey) : null),
    }),
    videos: t.field({
      type: [Video],
      description: 'The clips made from this image, newest first',
      resolve: (i, _, ctx) => ctx.services.clips.videosOfImage(i.generationId, i.index),
    }),
  }),
});
