// A PACKSHOT attempt that is retried (its worker stopped mid-job) takes the cutouts an earlier attempt
// paid the vendor for, from Storage: the cutout model is asked once per photo, whatever the retries.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalCutout } from '../src/adapters/cutout/local.js';
import { createSharpListingImages } from '../src/adapters/listing/sharp.js';
import { createLocalStorage } from '../src/adapters/storage/local.js';
import { inputKey } from '../src/studio/jobs/generation-inputs.js';
import { makePackshots } from '../src/studio/jobs/packshot.js';
import type { Cutout, GenerationRecord, Storage } from '../src/studio/ports.js';
import { productOnColour } from './helpers/images.js';

let dataDir: string;
let storage: Storage;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'etalase-packshot-retry-'));
  storage = await createLocalStorage({ dataDir, publicUrl: 'http://localhost', ttlSeconds: 60 });
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('PACKSHOT, retried', () => {
  it('the second attempt reuses the stored cutout: one cut, the same packshot', async () => {
    const id = '0b5c7f3e-2d1a-4c55-9a7e-1f2e3d4c5b6a';
    await storage.put(inputKey(id, 'PRODUCT_1', 'source', 'image/jpeg'), await productOnColour(), 'image/jpeg');
    const record = {
      id,
      count: 1,
      input: { options: {}, images: [{ slot: 'PRODUCT_1', kind: 'product', sourceFormat: 'jpeg' }], exports: [] },
    } as unknown as GenerationRecord;
    const local = createLocalCutout();
    let cuts = 0;
    const counting: Cutout = { vendor: 'counting', model: local.model, cut: (request) => (cuts++, local.cut(request)) };
    const deps = { cutout: counting, listing: createSharpListingImages(), storage };
    const context = { record, signal: new AbortController().signal, progress: () => {}, stage: () => {} };

    const first = await makePackshots(deps, context);
    const again = await makePackshots(deps, context);
    expect(cuts).toBe(1);
    expect(again.cutoutKeys).toEqual(first.cutoutKeys);
    const [a, b] = [first, again].map((m) => m.delivery.images[0]!.image);
    expect([b!.width, b!.height]).toEqual([a!.width, a!.height]);
    expect(Buffer.from(b!.bytes!).equals(Buffer.from(a!.bytes!))).toBe(true);
  });
});
