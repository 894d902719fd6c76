// Safety in both modes. flux/schnell reports has_nsfw_concepts and the fal adapter withholds flagged
// images itself (result.screened). Edit models such as Seedream report nothing, so each of their
// images is shown to the vision model (Describer.screen) and the ones it judges unsafe are withheld
// the same way. If that check cannot run (no screening describer, or it fails), the images are
// delivered as the image model returned them, with its own server-side checker on, and the log says so.
import { GenerationError, type Describer, type GenerateResult, type Logger } from './ports.js';

export async function screenOutputs(result: GenerateResult, describer: Describer, log: Logger, signal: AbortSignal): Promise<GenerateResult> {
  if (result.screened || !describer.screen || result.images.length === 0) return result;
  let flagged: boolean[];
  try {
    flagged = await describer.screen(result.images, signal);
  } catch (error) {
    signal.throwIfAborted();
    log.warn('output safety check failed; images delivered as the image model returned them', { error: String(error) });
    return result;
  }
  const images = result.images.filter((_, i) => flagged[i] !== true);
  if (images.length === 0) throw new GenerationError('Every image was withheld by the safety filter.');
  const withheld = result.images.length - images.length;
  const warnings = withheld ? [...result.warnings, `${withheld} image${withheld === 1 ? '' : 's'} withheld by the safety filter`] : result.warnings;
  return { images, warnings, screened: true };
}
