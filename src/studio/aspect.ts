// Every image model's output at the ratio the seller asked for: an edit model may answer another
// (Seedream gives 2048×2048 when no size is passed). An output off by more than 1% is cropped from
// the middle to the asked ratio, and the batch's warnings say so. A decorator over any Generator.
import type { GenerateResult, GenerationMode, Generator, ListingImages } from './ports.js';
import { ratioOf } from './style-catalog.js';

export function withAspectEnforced(generator: Generator, listing: ListingImages): Generator {
  async function enforce(result: GenerateResult, aspectRatio: string): Promise<GenerateResult> {
    const [w, h] = ratioOf(aspectRatio);
    const warnings = [...result.warnings];
    const images = await Promise.all(
      result.images.map(async (image) => {
        if (!image.bytes) return image;
        const fixed = await listing.toAspect(image.bytes, w / h);
        if (!fixed) return image;
        warnings.push(...fixed.warnings.map((warning) => `${warning} (${w}:${h} asked)`));
        return { ...image, bytes: fixed.bytes, width: fixed.width, height: fixed.height, contentType: fixed.contentType };
      }),
    );
    return { ...result, images, warnings: [...new Set(warnings)] };
  }

  return {
    name: generator.name,
    ...(generator.models ? { models: generator.models } : {}),
    ...(generator.maxReferences !== undefined ? { maxReferences: generator.maxReferences } : {}),
    generate: async (request) => enforce(await generator.generate(request), request.options.aspectRatio),
    ...(generator.stageReference ? { stageReference: generator.stageReference.bind(generator) } : {}),
    // A batch collected after a restart is held to the ratio it asked for, like any other.
    ...(generator.resume
      ? {
          resume: async (id: string, mode: GenerationMode, signal: AbortSignal, aspectRatio?: string) => {
            const result = await generator.resume!(id, mode, signal, aspectRatio);
            return aspectRatio ? enforce(result, aspectRatio) : result;
          },
        }
      : {}),
  };
}
