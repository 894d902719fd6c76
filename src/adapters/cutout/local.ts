// Background removal on this machine, no model: colour-distance matting from the border. The
// backdrop's colour is the median of the photo's border; every pixel connected to the border whose
// colour is close to it is backdrop (a flood fill, so a product's own patches of that colour stay),
// with a soft edge between "close" and "far"; the backdrop seen through a hole in the product (a
// handle) is cleared too. Good for a product shot on a plain, evenly lit backdrop
// (a sheet of paper, a painted wall, a studio sweep); a busy or gradient background is refused with a
// message that says to use CUTOUT=fal.
import sharp from 'sharp';
import { GenerationError, type Cutout, type CutoutImage } from '../../studio/ports.js';

/** below: surely backdrop; above FAR: surely product; between: a soft edge */
const NEAR = 28;
const FAR = 64;
/** the border's spread (mean distance to its median) above which the backdrop is not plain */
const MAX_BORDER_SPREAD = 22;
const MAX_SIDE = 2048;

const median = (values: Uint8Array) => {
  const counts = new Uint32Array(256);
  for (const v of values) counts[v]!++;
  let seen = 0;
  for (let v = 0; v < 256; v++) if ((seen += counts[v]!) * 2 >= values.length) return v;
  return 0;
};

/** The backdrop seen through a hole (a bag's handle, a cup's ear): a patch of the backdrop's very
 *  colour not connected to the border, larger than a sliver of the image, is backdrop too. */
function clearEnclosedBackdrop(alpha: Uint8Array, distance: (i: number) => number, width: number, height: number, queue: Int32Array) {
  const minArea = Math.max(64, Math.round(width * height * 0.001));
  const seen = new Uint8Array(width * height);
  for (let start = 0; start < width * height; start++) {
    if (seen[start] || alpha[start] !== 255 || distance(start) > NEAR) continue;
    let [head, tail] = [0, 0];
    queue[tail++] = start;
    seen[start] = 1;
    while (head < tail) {
      const i = queue[head++]!;
      const x = i % width;
      for (const n of [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i - width, i + width]) {
        if (n >= 0 && n < width * height && !seen[n] && alpha[n] === 255 && distance(n) <= NEAR) {
          seen[n] = 1;
          queue[tail++] = n;
        }
      }
    }
    if (tail >= minArea) for (let k = 0; k < tail; k++) alpha[queue[k]!] = 0;
  }
}

export async function cutOutPlainBackdrop(bytes: Uint8Array): Promise<CutoutImage> {
  const { data, info } = await sharp(bytes)
    .rotate()
    .resize(MAX_SIDE, MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const band = Math.max(2, Math.round(Math.min(width, height) * 0.01));
  const borderIdx: number[] = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (x < band || y < band || x >= width - band || y >= height - band) borderIdx.push(y * width + x);
  const channel = (c: number) => Uint8Array.from(borderIdx, (i) => data[i * 3 + c]!);
  const bg = [median(channel(0)), median(channel(1)), median(channel(2))] as const;
  const distance = (i: number) => Math.hypot(data[i * 3]! - bg[0], data[i * 3 + 1]! - bg[1], data[i * 3 + 2]! - bg[2]);
  const spread = borderIdx.reduce((sum, i) => sum + distance(i), 0) / borderIdx.length;
  if (spread > MAX_BORDER_SPREAD) {
    throw new GenerationError('The photo has no plain backdrop, which the offline cut-out needs. Shoot the product on a plain background, or set CUTOUT=fal for a model that handles any scene.');
  }
  // Flood fill from the border through pixels near the backdrop's colour.
  const alpha = new Uint8Array(width * height).fill(255);
  const queue = new Int32Array(width * height);
  let head = 0;
  let tail = 0;
  for (const i of borderIdx) {
    if (distance(i) < FAR && alpha[i] === 255) {
      alpha[i] = 0;
      queue[tail++] = i;
    }
  }
  while (head < tail) {
    const i = queue[head++]!;
    const d = distance(i);
    alpha[i] = d <= NEAR ? 0 : Math.round(((d - NEAR) / (FAR - NEAR)) * 255);
    const x = i % width;
    for (const n of [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i - width, i + width]) {
      if (n >= 0 && n < width * height && alpha[n] === 255 && distance(n) < FAR) {
        alpha[n] = 254; // queued
        queue[tail++] = n;
      }
    }
  }
  clearEnclosedBackdrop(alpha, distance, width, height, queue);
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = data[i * 3]!;
    rgba[i * 4 + 1] = data[i * 3 + 1]!;
    rgba[i * 4 + 2] = data[i * 3 + 2]!;
    rgba[i * 4 + 3] = alpha[i]!;
  }
  const png = await sharp(rgba, { raw: { width, height, channels: 4 } }).png().toBuffer();
  return { png, width, height };
}

export function createLocalCutout(): Cutout {
  return {
    vendor: 'local',
    model: 'local-matting',
    cut: ({ bytes }) => cutOutPlainBackdrop(bytes),
  };
}
