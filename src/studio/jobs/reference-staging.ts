// The reference copies sent ahead to where the image model reads them (Generator.stageReference,
// fal storage), so that once the prompt is written the generator only submits the job: each copy
// leaves as soon as it is made AND the vision model has taken its photo. A photo the vision model
// refused is never sent (the same rule as the image model's own input), so nothing leaves before
// that verdict; the copies still being made then leave one by one as they are finished.
import type { Generator, GenerationMode, PreparedImage, Slot } from '../ports.js';

export interface ReferenceStaging {
  /** for makeReferences: a copy was made */
  onMade?: (reference: PreparedImage) => void;
  /** for the vision step: these photos were taken */
  onAccepted?: (slots: Slot[]) => void;
  /** for generate: what was sent, by slot */
  staged: ReadonlyMap<Slot, Promise<string>>;
}

export function referenceStaging(generator: Generator, mode: GenerationMode, signal: AbortSignal): ReferenceStaging {
  const staged = new Map<Slot, Promise<string>>();
  const stage = mode === 'REFERENCE' ? generator.stageReference?.bind(generator) : undefined;
  if (!stage) return { staged };
  const made = new Map<Slot, PreparedImage>();
  let accepted: ReadonlySet<Slot> | null = null;
  const send = (slot: Slot) => {
    const reference = made.get(slot);
    if (!reference || !accepted?.has(slot) || staged.has(slot) || signal.aborted) return;
    const sent = stage(reference, signal);
    sent.catch(() => {}); // generate sends a copy whose staging failed again
    staged.set(slot, sent);
  };
  return {
    staged,
    onMade: (reference) => {
      made.set(reference.slot, reference);
      send(reference.slot);
    },
    onAccepted: (slots) => {
      accepted = new Set(slots);
      for (const slot of slots) send(slot);
    },
  };
}
