// Reference copies are sent ahead to the image model's storage only once made AND taken by the vision
// model: a refused photo never leaves, and generate gets what was sent, by slot.
import { describe, expect, it } from 'vitest';
import { referenceStaging } from '../src/studio/jobs/reference-staging.js';
import type { Generator, PreparedImage, Slot } from '../src/studio/ports.js';

const reference = (slot: Slot) => ({ slot, reference: { bytes: new Uint8Array([1]) } }) as unknown as PreparedImage;

function recordingGenerator(): Generator & { sent: Slot[] } {
  const sent: Slot[] = [];
  return {
    name: 'recording',
    sent,
    generate: async () => ({ images: [], warnings: [] }),
    stageReference: async (image) => {
      sent.push(image.slot);
      return `https://storage.example/${image.slot}`;
    },
  };
}

describe('reference staging', () => {
  it('sends nothing before the vision model took the photos, then each copy as it is made; never a refused one', async () => {
    const generator = recordingGenerator();
    const staging = referenceStaging(generator, 'REFERENCE', new AbortController().signal);
    staging.onMade!(reference('PRODUCT_1'));
    staging.onMade!(reference('FACE'));
    expect(generator.sent).toEqual([]);

    staging.onAccepted!(['PRODUCT_1', 'PRODUCT_2']); // FACE refused
    expect(generator.sent).toEqual(['PRODUCT_1']);
    staging.onMade!(reference('PRODUCT_2'));
    staging.onMade!(reference('BACKGROUND'));
    expect(generator.sent).toEqual(['PRODUCT_1', 'PRODUCT_2']);
    expect([...staging.staged.keys()]).toEqual(['PRODUCT_1', 'PRODUCT_2']);
    expect(await staging.staged.get('PRODUCT_2')).toBe('https://storage.example/PRODUCT_2');
  });

  it('stages nothing for TEXT_TO_IMAGE, for a generator without stageReference, or once the job is stopped', () => {
    const generator = recordingGenerator();
    const text = referenceStaging(generator, 'TEXT_TO_IMAGE', new AbortController().signal);
    expect(text.onMade).toBeUndefined();
    const { stageReference: _, ...plain } = generator;
    expect(referenceStaging(plain, 'REFERENCE', new AbortController().signal).onAccepted).toBeUndefined();

    const stop = new AbortController();
    const staging = referenceStaging(generator, 'REFERENCE', stop.signal);
    staging.onAccepted!(['PRODUCT_1']);
    stop.abort();
    staging.onMade!(reference('PRODUCT_1'));
    expect(generator.sent).toEqual([]);
  });
});
