// The ratio the seller asked for holds for every batch, including one collected after a restart
// (Generator.resume), whose request is not at hand: the job passes the batch's ratio along.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createSharpListingImages } from '../src/adapters/listing/sharp.js';
import { withAspectEnforced } from '../src/studio/aspect.js';
import type { Generator } from '../src/studio/ports.js';
import * as img from './helpers/images.js';

describe('withAspectEnforced', () => {
  it('crops a resumed batch answered square to the 3:4 asked, with a warning; without a ratio, as it came', async () => {
    const square = await img.jpeg({ width: 1024, height: 1024 });
    const asked: unknown[] = [];
    const generator: Generator = {
      name: 'square',
      generate: async () => ({ images: [], warnings: [] }),
      resume: async (...args) => {
        asked.push(args[3]);
        return { images: [{ url: 'https://x/0.jpg', bytes: square, width: 1024, height: 1024, contentType: 'image/jpeg' }], warnings: [] };
      },
    };
    const enforced = withAspectEnforced(generator, createSharpListingImages());
    const signal = new AbortController().signal;

    const resumed = await enforced.resume!('req-1', 'REFERENCE', signal, 'RATIO_3_4');
    expect(asked).toEqual(['RATIO_3_4']);
    expect(resumed.images[0]).toMatchObject({ width: 768, height: 1024 });
    expect(await sharp(resumed.images[0]!.bytes!).metadata()).toMatchObject({ width: 768, height: 1024 });
    expect(resumed.warnings).toEqual([expect.stringMatching(/returned 1024×1024.*cropped to 768×1024\. \(3:4 asked\)$/)]);

    const untouched = await enforced.resume!('req-2', 'REFERENCE', signal);
    expect(untouched.images[0]).toMatchObject({ width: 1024, height: 1024 });
  });
});
