// Delivering a generator's result: our own copy of every image in Storage, the video prompts, and
// the generation marked SUCCEEDED. Shared by the job (jobs/generation.ts) and its resumption after a crash.
import { GenerationError, type Description, type GenerateResult, type GenerationStore, type Storage, type StoredImage } from './ports.js';
import type { StyleOptions } from './style-catalog.js';
import { videoPrompts } from './video-prompts.js';

const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

export const outputKey = (generationId: string, n: number, contentType: string) =>
  `outputs/${generationId}/${n}.${EXTENSIONS[contentType] ?? 'jpg'}`;

export async function settle(
  deps: { generations: GenerationStore; storage: Storage },
  generationId: string,
  options: StyleOptions,
  descriptions: Description[],
  result: GenerateResult,
  onStored: (done: number, total: number) => void = () => {},
): Promise<boolean> {
  if (result.images.length === 0) throw new GenerationError('No usable image came back.');
  let stored = 0;
  const images: StoredImage[] = await Promise.all(
    result.images.map(async (image, i) => {
      if (!image.bytes) throw new GenerationError('The image service returned an image we could not keep.');
      const key = outputKey(generationId, i + 1, image.contentType);
      await deps.storage.put(key, image.bytes, image.contentType);
      onStored(++stored, result.images.length);
      return {
        key,
        width: image.width,
        height: image.height,
        contentType: image.contentType,
        videoPrompts: videoPrompts(options, descriptions, i),
      };
    }),
  );
  return deps.generations.complete(generationId, { images, warnings: result.warnings });
}
