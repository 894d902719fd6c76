// Where sharp's time goes in the prepare step (src/media/prepare.ts), on this machine: the app's
// preparer on six photos at once (as the pipeline runs it), then one photo alone, step by step,
// with the same settings as prepare.ts. Best of 3 for the single steps (the machine may be shared).
import sharp from 'sharp';
import { createImagePreparer } from '../src/media/prepare.js';
import type { Slot } from '../src/studio/ports.js';
import { INSPECT_ALL, median } from './report.js';

const SLOTS: Slot[] = ['PRODUCT_1', 'PRODUCT_2', 'PRODUCT_3', 'PRODUCT_4', 'FACE', 'BACKGROUND'];
const WHITE = { r: 255, g: 255, b: 255 };

async function timeOf(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

async function best(f: () => Promise<unknown>, times = 3): Promise<number> {
  let ms = Infinity;
  for (let i = 0; i < times; i++) ms = Math.min(ms, await timeOf(f));
  return Math.round(ms);
}

const decodeTo = (bytes: Uint8Array, longEdge: number) =>
  sharp(bytes, { failOn: 'error', autoOrient: true })
    .resize({ width: longEdge, height: longEdge, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: WHITE })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });

export async function profileSharp(photos: Uint8Array[]): Promise<Record<string, number>> {
  const preparer = createImagePreparer({ maxPixels: 40_000_000 });
  const inspectAll: number[] = [];
  const completeAll: number[] = [];
  for (let i = 0; i < 3; i++) {
    let inspected: Awaited<ReturnType<typeof preparer.inspect>>[] = [];
    inspectAll.push(await timeOf(async () => (inspected = await Promise.all(photos.map((p, j) => preparer.inspect(SLOTS[j]!, p))))));
    completeAll.push(await timeOf(() => Promise.all(inspected.map((x) => x.complete()))));
  }
  const photo = photos[0]!;
  return {
    [INSPECT_ALL]: Math.round(median(inspectAll)),
    'complete(), 6 photos at once: while Gemini reads (median of 3)': Math.round(median(completeAll)),
    'inspect(), 1 photo alone': await best(() => preparer.inspect('PRODUCT_1', photo)),
    '  decode + resize to 1024 px (the vision copy, before encoding)': await best(() => decodeTo(photo, 1024)),
    '  decode + resize to 2048 px (the reference copy, before encoding)': await best(() => decodeTo(photo, 2048)),
  };
}
