// Reference copies are sent ahead to the image model's storage as soon as each is made (while the
// vision model reads), and generate gets what was sent, by slot.
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
  it('sends each copy once, as it is made', async () => {
    const generator = recordingGenerator();
    const staging = referenceStaging(generator, 'REFERENCE', new AbortController().signal);
    staging.onMade!(reference('PRODUCT_1'));
    staging.onMade!(reference('FACE'));
    staging.onMade!(reference('PRODUCT_1'));
    expect(generator.sent).toEqual(['PRODUCT_1', 'FACE']);
    expect([...staging.staged.keys()]).toEqual(['PRODUCT_1', 'FACE']);
    expect(await staging.staged.get('FACE')).toBe('https://storage.example/FACE');
  });

  it('stages nothing for TEXT_TO_IMAGE, for a generator without stageReference, or once the job is stopped', () => {
    const generator = recordingGenerator();
    const text = referenceStaging(generator, 'TEXT_TO_IMAGE', new AbortController().signal);
    expect(text.onMade).toBeUndefined();
    const { stageReference: _, ...plain } = generator;
    expect(referenceStaging(plain, 'REFERENCE', new AbortController().signal).onMade).toBeUndefined();

    const stop = new AbortController();
    const staging = referenceStaging(generator, 'REFERENCE', stop.signal);
    stop.abort();
    staging.onMade!(reference('PRODUCT_1'));
    expect(generator.sent).toEqual([]);
  });
});
