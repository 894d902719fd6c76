// The 12-megapixel test photos: test/helpers/images.ts `noisy` (gradient + grain, 4000×3000) with one
// seed per photo, re-encoded at quality 80 to ≈3.7 MB, the size of a phone's 12 MP JPEG. (noisy's own
// quality-92 output is ≈5.9 MB: six of those make a 35 MB request, which Yoga's default 25 MB body
// limit rejects — see probeBodyLimit in etalase.ts.) Every run gets six new seeds, so no run is
// answered from the describe cache. Made once and kept in the OS temp dir (≈0.8 s each to make).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const PHOTO = { width: 4000, height: 3000, quality: 80 };
export const PHOTOS_PER_RUN = 6; // 4 products + face + background
const dir = path.join(os.tmpdir(), 'etalase-bench-photos');

const fileOf = (seed: number) => path.join(dir, `noisy-${PHOTO.width}x${PHOTO.height}-q${PHOTO.quality}-seed-${seed}.jpg`);

/** Seeds of run `run` (0 = warm-up): distinct across runs, identical across scenarios. */
export const seedsOf = (run: number) => Array.from({ length: PHOTOS_PER_RUN }, (_, i) => 1000 + run * PHOTOS_PER_RUN + i);

/** Makes the photos that are missing; returns how many were made. */
export async function ensurePhotos(runs: number): Promise<number> {
  await mkdir(dir, { recursive: true });
  // imported here so that a scenario process that only loads photos does not load sharp
  const { noisy } = await import('../test/helpers/images.js');
  const { default: sharp } = await import('sharp');
  let made = 0;
  for (let run = 0; run < runs; run++) {
    for (const seed of seedsOf(run)) {
      const file = fileOf(seed);
      if (await readFile(file).then(() => true, () => false)) continue;
      const bytes = await sharp(await noisy(PHOTO.width, PHOTO.height, seed)).jpeg({ quality: PHOTO.quality }).toBuffer();
      await writeFile(`${file}.part`, bytes);
      await rename(`${file}.part`, file);
      made++;
    }
  }
  return made;
}

export async function loadPhotos(run: number): Promise<Uint8Array[]> {
  return Promise.all(seedsOf(run).map(async (seed) => new Uint8Array(await readFile(fileOf(seed)))));
}
