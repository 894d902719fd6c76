// The reference copies sent ahead to where the image model reads them (Generator.stageReference,
// fal storage), so that once the prompt is written the generator only submits the job: each copy
// leaves as soon as it is made, while the vision model reads. Waiting for the vision model's verdict
// first put every upload on the critical path (~115 ms for six photos). A photo the vision model then
// refuses is never given to the image model (the prompt stage leaves it out of the job); its staged
// copy is only left on the generator's storage, where it expires (fal: UPLOAD_LIFETIME).
import type { Generator, GenerationMode, PreparedImage, Slot } from '../ports.js';

export interface ReferenceStaging {
  /** for makeReferences: a copy was made */
  onMade?: (reference: PreparedImage) => void;
  /** for generate: what was sent, by slot */
  staged: ReadonlyMap<Slot, Promise<string>>;
}

export function referenceStaging(generator: Generator, mode: GenerationMode, signal: AbortSignal): ReferenceStaging {
  const staged = new Map<Slot, Promise<string>>();
  const stage = mode === 'REFERENCE' ? generator.stageReference?.bind(generator) : undefined;
  if (!stage) return { staged };
  return {
    staged,
    onMade: (reference) => {
      if (staged.has(reference.slot) || signal.aborted) return;
      const sent = stage(reference, signal);
      sent.catch(() => {}); // generate sends a copy whose staging failed again
      staged.set(reference.slot, sent);
    },
  };
}
