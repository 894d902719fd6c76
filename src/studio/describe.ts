// The describe stage: every photo at once, each answered from the shared cache when seen before.
// A photo that cannot be described is not dropped silently: the generation goes on from options and
// free text, and the result carries a warning naming the slot. A photo the vision model's safety
// filter refused is reported in `refused`, so it is not sent on to the image model either.
import {
  DescribeError,
  type Description,
  type Describer,
  type DescriptionCache,
  type GenerationMode,
  type Logger,
  type Slot,
  type VisionImage,
} from './ports.js';

export interface DescribeOutcome {
  descriptions: Description[];
  warnings: string[];
  /** photos the vision model refused: never sent to the image model */
  refused: Slot[];
  /** every photo sent to the vision model came back with a non-retryable rejection (key, model id…) */
  allRejected: boolean;
  /** bytes of the uploads described vs bytes sent to the vision model (cache hits send nothing) */
  bytesUploaded: number;
  bytesSent: number;
}

// v2: short, dense descriptions made for the prompt budget; longer v1 captions are not reused.
export const cacheKey = (image: VisionImage, model: string) => `${image.vision.sha256}:${image.kind}:${model}:v2`;

export async function describeAll(
  images: VisionImage[],
  deps: { describer: Describer; cache: DescriptionCache; log: Logger; mode: GenerationMode },
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
      const answer = cached ?? (await deps.describer.describe(image, signal));
      const reply = typeof answer === 'string' ? { text: answer } : answer;
      const text = reply.text.trim();
      if (!text) throw new Error('empty description');
      // A partial description is used once, with its warning, and asked for again next time.
      if (cached === null && !reply.warning) {
        await deps.cache.put(key, text).catch((error) => deps.log.warn('description cache write failed', { error: String(error) }));
      }
      onDone(++done);
      return { slot: image.slot, text, warning: reply.warning };
    }),
  );

  const descriptions: Description[] = [];
  const warnings: string[] = [];
  const refused: Slot[] = [];
  let rejected = 0;
  settled.forEach((result, i) => {
    const slot = images[i]!.slot;
    if (result.status === 'fulfilled') {
      descriptions.push({ slot, text: result.value.text });
      if (result.value.warning) warnings.push(`${slot}: ${result.value.warning}`);
      return;
    }
    const kind = result.reason instanceof DescribeError ? result.reason.kind : 'failed';
    deps.log.warn('describe failed', { slot, kind, error: String(result.reason) });
    if (kind === 'refused') {
      refused.push(slot);
      warnings.push(
        deps.mode === 'REFERENCE'
          ? `${slot} was refused by the photo checker's safety filter: it was left out and not sent to the image model.`
          : `${slot} was refused by the photo checker's safety filter: it was left out of the prompt.`,
      );
    } else {
      if (kind === 'rejected') rejected++;
      warnings.push(`Could not describe ${slot}: the photo was not analysed, so the images follow your options and text for it.`);
    }
  });
  const bytesUploaded = images.reduce((sum, image) => sum + image.sourceBytes, 0);
  return { descriptions, warnings, refused, allRejected: images.length > 0 && rejected === images.length, bytesUploaded, bytesSent };
}
