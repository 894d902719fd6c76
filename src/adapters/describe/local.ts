// A describer that needs no network or model: it measures the image (size, orientation, dominant
// named colours, brightness) and phrases that per slot. Good enough for development, tests and
// offline demos, and deterministic, so its output is a stable cache and snapshot key.
import sharp from 'sharp';
import type { Describer, VisionImage } from '../../studio/ports.js';

// Coarse, everyday names: a prompt reads "navy and beige", not "#1f2a44".
const NAMED_COLOURS: ReadonlyArray<readonly [string, number, number, number]> = [
  ['black', 0, 0, 0],
  ['charcoal', 60, 62, 66],
  ['grey', 128, 128, 128],
  ['silver', 192, 192, 192],
  ['white', 255, 255, 255],
  ['red', 230, 25, 30],
  ['maroon', 128, 0, 0],
  ['orange', 255, 140, 0],
  ['brown', 139, 69, 19],
  ['beige', 225, 205, 170],
  ['yellow', 255, 230, 0],
  ['gold', 212, 175, 55],
  ['olive', 128, 128, 0],
  ['green', 20, 150, 40],
  ['teal', 0, 128, 128],
  ['cyan', 0, 220, 230],
  ['blue', 30, 90, 230],
  ['navy', 0, 0, 128],
  ['purple', 128, 0, 128],
  ['lavender', 190, 160, 230],
  ['pink', 255, 170, 190],
  ['magenta', 255, 0, 255],
];

const SAMPLE = 64; // the image is measured on a 64×64 thumbnail: 4096 pixels is plenty for shares

export function createLocalDescriber(): Describer {
  return {
    vendor: 'local',
    model: 'local-v1',
    async describe(image: VisionImage, signal: AbortSignal): Promise<string> {
      throwIfAborted(signal);
      const { data } = await sharp(image.vision.bytes)
        .resize(SAMPLE, SAMPLE, { fit: 'fill' })
        .toColourspace('srgb')
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      throwIfAborted(signal);

      const all = measure(data, () => true);
      const shape = `${article(orientation(image))} ${orientation(image)} ${formatName(image)}, ${image.sourceWidth}×${image.sourceHeight} px`;
      switch (image.kind) {
        case 'product':
          return (
            `Product photo: ${shape}, ${colourPhrase(all.shares)}, ${all.brightness} lighting. ` +
            `Keep the product's exact colours, shape and any logo or text.`
          );
        case 'face': {
          // The subject's face is usually centred: sample the middle half for skin and hair tones.
          const lo = SAMPLE / 4;
          const hi = (SAMPLE * 3) / 4;
          const centre = measure(data, (x, y) => x >= lo && x < hi && y >= lo / 2 && y < hi);
          return (
            `Face reference: ${shape}, ${all.brightness} lighting; skin/hair tones sampled from the centre are ` +
            `${colourPhrase(centre.shares)}. Keep the same person: face shape, skin tone, hair and features.`
          );
        }
        case 'background':
          return (
            `Background environment: ${shape}, dominant tones: ${colourPhrase(all.shares)}; ${all.brightness} overall. ` +
            `Place the product naturally in this setting, matching its light and perspective.`
          );
      }
    },
  };
}

function throwIfAborted(signal: AbortSignal): void {
  if (!signal.aborted) return;
  throw signal.reason instanceof Error ? signal.reason : Object.assign(new Error('The description was aborted'), { name: 'AbortError' });
}

function orientation(image: VisionImage): 'square' | 'portrait' | 'landscape' {
  const { sourceWidth: w, sourceHeight: h } = image;
  if (Math.abs(w - h) <= 0.05 * Math.max(w, h)) return 'square';
  return h > w ? 'portrait' : 'landscape';
}

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');
const formatName = (image: VisionImage) => (image.sourceFormat === 'webp' ? 'WebP' : image.sourceFormat.toUpperCase());

interface Measurement {
  /** colour name → share of sampled pixels, largest first */
  shares: Array<[string, number]>;
  brightness: 'dark' | 'medium' | 'bright';
}

function measure(rgb: Buffer, include: (x: number, y: number) => boolean): Measurement {
  const counts = new Map<string, number>();
  let lightness = 0;
  let n = 0;
  for (let y = 0; y < SAMPLE; y++) {
    for (let x = 0; x < SAMPLE; x++) {
      if (!include(x, y)) continue;
      const i = (y * SAMPLE + x) * 3;
      const r = rgb[i]!;
      const g = rgb[i + 1]!;
      const b = rgb[i + 2]!;
      const name = nearestName(r, g, b);
      counts.set(name, (counts.get(name) ?? 0) + 1);
      // HSL lightness rather than luma: a saturated red reads as "medium", not "dark".
      lightness += (Math.max(r, g, b) + Math.min(r, g, b)) / 2;
      n++;
    }
  }
  const mean = lightness / Math.max(1, n);
  // Ties broken by name so the order, and so the text, never depends on Map insertion details.
  const shares = [...counts]
    .map(([name, c]): [string, number] => [name, c / n])
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { shares, brightness: mean < 85 ? 'dark' : mean < 170 ? 'medium' : 'bright' };
}

/** "redmean" weighted distance: cheap and closer to perception than plain RGB distance. */
function nearestName(r: number, g: number, b: number): string {
  let best = 'grey';
  let bestDistance = Infinity;
  for (const [name, cr, cg, cb] of NAMED_COLOURS) {
    const rm = (r + cr) / 2;
    const dr = r - cr;
    const dg = g - cg;
    const db = b - cb;
    const d = (2 + rm / 256) * dr * dr + 4 * dg * dg + (2 + (255 - rm) / 256) * db * db;
    if (d < bestDistance) {
      bestDistance = d;
      best = name;
    }
  }
  return best;
}

function colourPhrase(shares: Array<[string, number]>): string {
  const [first, ...rest] = shares;
  if (!first) return 'no clear colour';
  const second = rest[0] && rest[0][1] >= 0.2 ? rest[0] : undefined;
  const main = second ? [first[0], second[0]] : [first[0]];
  const accents = rest
    .slice(second ? 1 : 0)
    .filter(([, share]) => share >= 0.05)
    .slice(0, 3 - main.length)
    .map(([name]) => name);
  const lead = !second && accents.length === 0 && first[1] >= 0.8 ? `almost entirely ${first[0]}` : `mostly ${main.join(' and ')}`;
  return accents.length ? `${lead} with ${accents.join(' and ')} accents` : lead;
}
