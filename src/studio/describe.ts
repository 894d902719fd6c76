// The describe stage: every photo at once, each answered from the shared cache when seen before.
// A photo that cannot be described is not dropped silently: the generation goes on from options and
// free text, and the result carries a warning naming the slot.
import type { Description, Describer, DescriptionCache, Logger, VisionImage } from './ports.js';

export interface DescribeOutcome {
  descriptions: Description[];
  warnings: string[];
  /** bytes of the uploads described vs bytes sent to the vision model (cache hits send nothing) */
  bytesUploaded: number;
  bytesSent: number;
}

export const cacheKey = (image: VisionImage, model: string) => `${image.vision.sha256}:${image.kind}:${model}`;

export async function describeAll(
  images: VisionImage[],
  deps: { describer: Describer; cache: DescriptionCache; log: Logger },
  signal: AbortSignal,
  onDone: (done: number) => void,
): Promise<DescribeOutcome> {
  let done = 0;
  let bytesSent = 0;
  const settled = await Promise.allSettled(
    images.map(async (image) => {
      const key = cacheKey(image, deps.describer.model);
      const cached = await deps.cache.get(key).catch((error) => {
        deps.log.warn('description cache read failed', { error: String(error) });
        return null;
      });
      if (cached === null) bytesSent += image.vision.bytes.byteLength;
      const text = cached ?? (await deps.describer.describe(image, signal)).trim();
      if (!text) throw new Error('empty description');
      if (cached === null) {
        await deps.cache.put(key, text).catch((error) => deps.log.warn('description cache write failed', { error: String(error) }));
      }
      onDone(++done);
      return { slot: image.slot, text };
    }),
  );

  const descriptions: Description[] = [];
  const warnings: string[] = [];
  settled.forEach((result, i) => {
    const slot = images[i]!.slot;
    if (result.status === 'fulfilled') {
      descriptions.push(result.value);
    } else {
      deps.log.warn('describe failed', { slot, error: String(result.reason) });
      warnings.push(`Could not describe ${slot}: the photo was not analysed, so the images follow your options and text for it.`);
    }
  });
  const bytesUploaded = images.reduce((sum, image) => sum + image.sourceBytes, 0);
  return { descriptions, warnings, bytesUploaded, bytesSent };
}
