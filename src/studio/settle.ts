// Delivering a generator's result: attach the video prompts and mark the generation SUCCEEDED.
// Shared by the live pipeline and by recovery, which finishes jobs a crashed process paid for.
import { GenerationError, type Description, type GenerateResult, type Ledger } from './ports.js';
import type { StyleOptions } from './style-catalog.js';
import { videoPrompts } from './video-prompts.js';

export async function settle(
  ledger: Ledger,
  generationId: string,
  options: StyleOptions,
  descriptions: Description[],
  result: GenerateResult,
): Promise<boolean> {
  if (result.images.length === 0) throw new GenerationError('No usable image came back.');
  const images = result.images.map((image, i) => ({ ...image, videoPrompts: videoPrompts(options, descriptions, i) }));
  return ledger.complete(generationId, { images, warnings: result.warnings });
}
