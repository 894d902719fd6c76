// The review's measured layer (sharp, no model): runs on every output, offline too. It catches what
// pixels can tell without understanding the picture:
// - WRONG_ASPECT: the output's width/height is more than 3% off the ratio asked for;
// - PRODUCT_MISSING: the output is blank, or nothing in it stands out from its own background;
// - COLOUR_CHANGED: the main colour of a product photo (its pixels that differ from that photo's
//   background) appears nowhere in the output, as a CIE76 colour difference in Lab.
// It reads small copies (48 px for the photos, 96 px for outputs): colours, not details.
import sharp from 'sharp';
import type { ImageChecks, ReviewIssue, VisionImage } from '../../studio/ports.js';

const PHOTO_EDGE = 48;
const OUTPUT_EDGE = 96;
/** how far the ratio may be off */
const ASPECT_TOLERANCE = 0.03;
/** ΔE from a photo's background above which a pixel is the product */
const FOREGROUND_DELTA = 25;
/** ΔE from an output's border above which a pixel is something (kept low: a product close in colour
 *  to its scene is still there) */
const SUBJECT_DELTA = 12;
/** ΔE within which an output pixel shows a product colour */
const SAME_COLOUR = 16;
/** a product colour is there when at least this share of the output shows it */
const PRESENT_SHARE = 0.004;
/** a product photo with less product than this (a white bag on white) gives no colour to compare */
const MIN_PRODUCT_SHARE = 0.03;
/** nor does one whose main colour holds less than this share of the product (a busy print, noise) */
const MIN_MAIN_SHARE = 0.15;
/** an output whose pixels vary less than this (standard deviation of any channel, 0–255) is blank */
const BLANK_STDEV = 4;
/** an output with less than this share standing out from its border shows no product (a small bag in a
 *  portrait frame is 2–3%) */
const MIN_SUBJECT_SHARE = 0.005;

type Lab = [number, number, number];

interface Pixels {
  lab: Lab[];
  /** the indexes of the border pixels */
  border: number[];
  stdev: number;
}

async function pixelsOf(bytes: Uint8Array, edge: number): Promise<Pixels> {
  const { data, info } = await sharp(bytes)
    .resize(edge, edge, { fit: 'inside' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const lab: Lab[] = [];
  const border: number[] = [];
  // Per channel: two colours of the same grey are not a flat image.
  const sum = [0, 0, 0];
  const squares = [0, 0, 0];
  for (let i = 0, n = 0; i < data.length; i += info.channels, n++) {
    const rgb = [data[i]!, data[i + 1]!, data[i + 2]!] as const;
    lab.push(toLab(...rgb));
    const x = n % info.width;
    const y = Math.floor(n / info.width);
    if (x === 0 || y === 0 || x === info.width - 1 || y === info.height - 1) border.push(n);
    for (let k = 0; k < 3; k++) {
      sum[k]! += rgb[k]!;
      squares[k]! += rgb[k]! * rgb[k]!;
    }
  }
  const stdev = Math.max(...[0, 1, 2].map((k) => Math.sqrt(Math.max(0, squares[k]! / lab.length - (sum[k]! / lab.length) ** 2))));
  return { lab, border, stdev };
}

/** The median border colour: what surrounds the subject. */
function backgroundOf(p: Pixels): Lab {
  const median = (k: 0 | 1 | 2) => p.border.map((n) => p.lab[n]![k]).sort((a, b) => a - b)[Math.floor(p.border.length / 2)]!;
  return [median(0), median(1), median(2)];
}

/** Pixels that stand out from the background, as a share, and their main colour (null when none
 *  holds MIN_MAIN_SHARE of them). */
function subjectOf(p: Pixels, delta = FOREGROUND_DELTA): { share: number; main: Lab | null } {
  const background = backgroundOf(p);
  const subject = p.lab.filter((c) => deltaE(c, background) > delta);
  const share = subject.length / p.lab.length;
  if (subject.length === 0) return { share, main: null };
  // Coarse bins in Lab (10 units), the fullest one's mean is the main colour.
  const bins = new Map<string, Lab[]>();
  for (const c of subject) {
    const key = c.map((v) => Math.round(v / 10)).join(',');
    const bin = bins.get(key);
    if (bin) bin.push(c);
    else bins.set(key, [c]);
  }
  const fullest = [...bins.values()].sort((a, b) => b.length - a.length)[0]!;
  if (fullest.length < MIN_MAIN_SHARE * subject.length) return { share, main: null };
  const mean = (k: 0 | 1 | 2) => fullest.reduce((s, c) => s + c[k], 0) / fullest.length;
  return { share, main: [mean(0), mean(1), mean(2)] };
}

export function createMeasuredChecks(): ImageChecks {
  return {
    async against(products: VisionImage[]) {
      const references = await Promise.all(
        products.map(async (photo) => ({ slot: photo.slot, ...subjectOf(await pixelsOf(photo.vision.bytes, PHOTO_EDGE)) })),
      );
      const colours = references.filter((r) => r.share >= MIN_PRODUCT_SHARE && r.main);

      return async ({ image, aspect }) => {
        const issues: ReviewIssue[] = [];
        const ratio = image.width / image.height;
        if (Math.abs(ratio - aspect) / aspect > ASPECT_TOLERANCE) {
          issues.push({ kind: 'WRONG_ASPECT', detail: `The image is ${image.width}×${image.height} (${ratio.toFixed(2)}); ${aspect.toFixed(2)} was asked for.` });
        }
        const output = await pixelsOf(image.bytes, OUTPUT_EDGE);
        if (output.stdev < BLANK_STDEV) {
          issues.push({ kind: 'PRODUCT_MISSING', detail: 'The image is blank: one flat colour.' });
          return issues;
        }
        if (products.length > 0 && subjectOf(output, SUBJECT_DELTA).share < MIN_SUBJECT_SHARE) {
          issues.push({ kind: 'PRODUCT_MISSING', detail: 'Nothing in the image stands out from its background: the product is not there.' });
          return issues;
        }
        for (const { slot, main } of colours) {
          const nearest = Math.min(...output.lab.map((c) => deltaE(c, main!)));
          const shown = output.lab.filter((c) => deltaE(c, main!) <= SAME_COLOUR).length / output.lab.length;
          if (shown < PRESENT_SHARE) {
            issues.push({
              kind: 'COLOUR_CHANGED',
              detail: `The main colour of ${slot} (${hex(main!)}) is not in the image (nearest ΔE ${nearest.toFixed(0)}).`,
            });
          }
        }
        return issues;
      };
    },
  };
}

// sRGB (D65) → CIE Lab.
function toLab(r: number, g: number, b: number): Lab {
  const linear = (v: number) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const [lr, lg, lb] = [linear(r), linear(g), linear(b)];
  const x = (lr * 0.4124 + lg * 0.3576 + lb * 0.1805) / 0.95047;
  const y = lr * 0.2126 + lg * 0.7152 + lb * 0.0722;
  const z = (lr * 0.0193 + lg * 0.1192 + lb * 0.9505) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

function deltaE(a: Lab, b: Lab): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

function hex([l, a, b]: Lab): string {
  // Lab → sRGB, for the message only.
  const fy = (l + 16) / 116;
  const [fx, fz] = [fy + a / 500, fy - b / 200];
  const inv = (t: number) => (t ** 3 > 216 / 24389 ? t ** 3 : (116 * t - 16) / (24389 / 27));
  const [x, y, z] = [inv(fx) * 0.95047, inv(fy), inv(fz) * 1.08883];
  const rgb = [x * 3.2406 - y * 1.5372 - z * 0.4986, -x * 0.9689 + y * 1.8758 + z * 0.0415, x * 0.0557 - y * 0.204 + z * 1.057];
  const gamma = (c: number) => Math.round(255 * Math.min(1, Math.max(0, c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055)));
  return `#${rgb.map((c) => gamma(c).toString(16).padStart(2, '0')).join('')}`;
}
