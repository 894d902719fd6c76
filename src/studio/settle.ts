// Delivering a reviewed batch: our own copy of every image in Storage, its review and video prompts,
// and the generation marked SUCCEEDED; or, when no image passed the review, FAILED and refunded
// with its images still shown. Shared by the job (jobs/generation.ts) and its resumption after a crash.
import { GenerationError, type Description, type GenerationStore, type Storage, type StoredImage } from './ports.js';
import type { Delivery } from './review.js';
import type { StyleOptions } from './style-catalog.js';
import { videoPrompts } from './video-prompts.js';

const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

export const outputKey = (generationId: string, n: number | string, contentType: string) =>
  `outputs/${generationId}/${n}.${EXTENSIONS[contentType] ?? 'jpg'}`;

/** false when the generation had already been settled (canceled, or finished by another attempt) */
export async function settle(
  deps: { generations: GenerationStore; storage: Storage },
  generationId: string,
  options: StyleOptions,
  descriptions: Description[],
  delivery: Delivery,
  onStored: (done: number, total: number) => void = () => {},
  /** what else an image keeps, made from its bytes before the batch is settled (its exports) */
  extras: (index: number, bytes: Uint8Array) => Promise<Partial<StoredImage>> = async () => ({}),
): Promise<boolean> {
  if (delivery.images.length === 0) throw new GenerationError('No usable image came back.');
  let stored = 0;
  const images: StoredImage[] = await Promise.all(
    delivery.images.map(async ({ image, review }, i) => {
      if (!image.bytes) throw new GenerationError('The image service returned an image we could not keep.');
      const key = outputKey(generationId, i + 1, image.contentType);
      const [, extra] = await Promise.all([deps.storage.put(key, image.bytes, image.contentType), extras(i + 1, image.bytes)]);
      onStored(++stored, delivery.images.length);
      return {
        ...extra,
        key,
        width: image.width,
        height: image.height,
        contentType: image.contentType,
        videoPrompts: videoPrompts(options, descriptions, i),
        review,
      };
    }),
  );
  const settlement = { images, warnings: delivery.warnings };
  if (delivery.refundReason) return (await deps.generations.failWithImages(generationId, settlement, delivery.refundReason)).refunded;
  return deps.generations.complete(generationId, settlement);
}
