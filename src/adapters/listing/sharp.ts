// The pixel work of listings with sharp: packshots on white, marketplace exports, the compliance
// measurements, and the aspect fix for any model's output. Measured, never assumed: an export is
// checked by reading its own bytes back.
import sharp, { type OverlayOptions, type Sharp } from 'sharp';
import type { ComplianceCheck, CutoutImage, ListingImages, MadeImage } from '../../studio/ports.js';
import type { PresetRules } from '../../studio/marketplace-presets.js';

const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };
/** a pixel whose darkest channel is below this is the product (or its shadow), not the backdrop */
const PRODUCT_BELOW = 232;
/** the share of the border that must be white for a white-background rule */
const WHITE_BORDER_SHARE = 0.98;
/** JPEG qualities tried, best first, until an export fits under its byte cap */
const QUALITIES = [92, 85, 78, 70, 60, 50];
const ratio = (n: number) => `${Math.round(n * 1000) / 10}%`;

/** The box of the pixels whose alpha is above a sliver: where the product is in a cutout. */
async function alphaBox(png: Uint8Array) {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  let [left, top, right, bottom] = [info.width, info.height, -1, -1];
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if (data[(y * info.width + x) * 4 + 3]! > 24) {
        if (x < left) left = x;
        if (x > right) right = x;
        if (y < top) top = y;
        if (y > bottom) bottom = y;
      }
    }
  }
  return right < 0 ? null : { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/** A soft contact shadow: a blurred grey ellipse, `width` wide, under the product. */
function shadowSvg(width: number, height: number) {
  const ry = Math.max(2, Math.round(height / 2));
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width + ry * 8}" height="${ry * 8}">` +
      `<filter id="b"><feGaussianBlur stdDeviation="${Math.max(2, ry)}"/></filter>` +
      `<ellipse cx="${(width + ry * 8) / 2}" cy="${ry * 4}" rx="${width / 2}" ry="${ry}" fill="#000" fill-opacity="0.22" filter="url(#b)"/></svg>`,
  );
}

async function encodeUnder(image: Sharp, maxBytes: number): Promise<{ bytes: Buffer; quality: number }> {
  let last = Buffer.alloc(0);
  for (const quality of QUALITIES) {
    last = await image.clone().jpeg({ quality, mozjpeg: true }).toBuffer();
    if (last.length <= maxBytes) return { bytes: last, quality };
  }
  return { bytes: last, quality: QUALITIES.at(-1)! };
}

export function createSharpListingImages(): ListingImages {
  return {
    async packshot(cutout: CutoutImage, options) {
      const box = await alphaBox(cutout.png);
      if (!box) throw Object.assign(new Error('The cut-out found no product in the photo.'), { name: 'GenerationError' });
      const warnings: string[] = [];
      const long = Math.max(box.width, box.height);
      // The canvas the product fills at `fill`; smaller than asked when the product is (never upscaled
      // past the photo, except up to the smallest side a marketplace takes).
      let side = Math.min(options.side, Math.round(long / options.fill));
      if (side < options.minSide) {
        warnings.push(`The product in the photo is small (${long} px); the packshot was enlarged to ${options.minSide} px, the smallest the marketplace takes. A larger photo gives a sharper result.`);
        side = options.minSide;
      }
      const target = Math.round(side * options.fill);
      const product = await sharp(cutout.png)
        .extract(box)
        .resize(box.width >= box.height ? { width: target } : { height: target })
        .png()
        .toBuffer({ resolveWithObject: true });
      const [pw, ph] = [product.info.width, product.info.height];
      const left = Math.round((side - pw) / 2);
      const top = Math.round((side - ph) / 2);
      const layers: OverlayOptions[] = [];
      if (options.shadow) {
        const svg = shadowSvg(Math.round(pw * 0.8), Math.max(4, Math.round(ph * 0.05)));
        const meta = await sharp(svg).metadata();
        const sy = Math.min(side - meta.height!, Math.max(0, top + ph - Math.round(meta.height! / 2)));
        layers.push({ input: svg, left: Math.max(0, Math.round((side - meta.width!) / 2)), top: sy });
      }
      layers.push({ input: product.data, left, top });
      const canvas = sharp({ create: { width: side, height: side, channels: 3, background: WHITE } }).composite(layers).flatten({ background: WHITE });
      const bytes = await sharp(await canvas.png().toBuffer()).jpeg({ quality: 92, mozjpeg: true }).toBuffer();
      return { bytes, width: side, height: side, contentType: 'image/jpeg', warnings };
    },

    async exportTo(source, rules) {
      const base = sharp(source).rotate();
      const meta = await sharp(await base.clone().toBuffer()).metadata();
      const [w, h] = [meta.width!, meta.height!];
      const warnings: string[] = [];
      // The canvas holds the whole image (padded, never cropped) at the preset's aspect.
      let cw = Math.max(w, Math.round(h * rules.aspect));
      let ch = Math.max(h, Math.round(w / rules.aspect));
      const scale = Math.min(1, rules.targetSide / Math.max(cw, ch), rules.maxSide / Math.max(cw, ch));
      [cw, ch] = [Math.round(cw * scale), Math.round(ch * scale)];
      const [iw, ih] = [Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale))];
      if (Math.min(cw, ch) < rules.minSide) {
        warnings.push(`The image is ${w}×${h}: smaller than ${rules.label} takes (${rules.minSide} px); it was not enlarged (no upscaler is configured).`);
      }
      const inner = await base.resize(iw, ih).flatten({ background: WHITE }).toBuffer();
      let image = sharp({ create: { width: cw, height: ch, channels: 3, background: WHITE } }).composite([{ input: inner, gravity: 'centre' }]);
      image = sharp(await image.png().toBuffer());
      let { bytes } = await encodeUnder(image, rules.maxBytes);
      // Still too large at the lowest quality: smaller, a fifth at a time, down to the preset's minimum.
      while (bytes.length > rules.maxBytes && Math.round(Math.min(cw, ch) * 0.8) >= rules.minSide) {
        [cw, ch] = [Math.round(cw * 0.8), Math.round(ch * 0.8)];
        ({ bytes } = await encodeUnder(image.clone().resize(cw, ch), rules.maxBytes));
      }
      return { bytes, width: cw, height: ch, contentType: 'image/jpeg', warnings };
    },

    async measure(image, rules) {
      const meta = await sharp(image).metadata();
      const [w, h] = [meta.width!, meta.height!];
      const contentType = meta.format === 'jpeg' ? 'image/jpeg' : `image/${meta.format}`;
      // Read at ≤ 512 px: a border and a box need no more, and single noisy pixels average out.
      const small = await sharp(image).resize(512, 512, { fit: 'inside', withoutEnlargement: true }).flatten({ background: WHITE }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const { data, info } = small;
      const band = Math.max(2, Math.round(Math.min(info.width, info.height) * 0.02));
      let border = 0;
      let white = 0;
      let [left, top, right, bottom] = [info.width, info.height, -1, -1];
      for (let y = 0; y < info.height; y++) {
        for (let x = 0; x < info.width; x++) {
          const i = (y * info.width + x) * 3;
          const darkest = Math.min(data[i]!, data[i + 1]!, data[i + 2]!);
          if (x < band || y < band || x >= info.width - band || y >= info.height - band) {
            border++;
            if (darkest >= rules.whiteMin) white++;
          }
          if (darkest < PRODUCT_BELOW) {
            if (x < left) left = x;
            if (x > right) right = x;
            if (y < top) top = y;
            if (y > bottom) bottom = y;
          }
        }
      }
      const whiteShare = white / border;
      const fill = right < 0 ? 0 : Math.max((right - left + 1) / info.width, (bottom - top + 1) / info.height);
      const aspect = w / h;
      const checks: ComplianceCheck[] = [
        { rule: 'SIZE', passed: Math.min(w, h) >= rules.minSide && Math.max(w, h) <= rules.maxSide, measured: `${w}×${h}`, expected: `${rules.minSide}–${rules.maxSide} px each side` },
        { rule: 'ASPECT', passed: Math.abs(aspect / rules.aspect - 1) <= 0.01, measured: aspect.toFixed(3), expected: rules.aspect === 1 ? '1:1' : rules.aspect.toFixed(3) },
        { rule: 'FORMAT', passed: (rules.formats as string[]).includes(contentType), measured: contentType, expected: rules.formats.join(' or ') },
        { rule: 'BYTES', passed: image.byteLength <= rules.maxBytes, measured: `${image.byteLength} bytes`, expected: `≤ ${rules.maxBytes} bytes` },
        {
          rule: 'BACKGROUND',
          passed: !rules.whiteBackground || whiteShare >= WHITE_BORDER_SHARE,
          measured: `${ratio(whiteShare)} of the border white (each channel ≥ ${rules.whiteMin})`,
          expected: rules.whiteBackground ? `≥ ${ratio(WHITE_BORDER_SHARE)} of the border white` : 'not required (white recommended)',
        },
        {
          rule: 'PRODUCT_FILL',
          passed: fill >= rules.fill.min && fill <= rules.fill.max,
          measured: `${ratio(fill)} (the long side of the product's box)`,
          expected: `${ratio(rules.fill.min)}–${ratio(rules.fill.max)}`,
        },
      ];
      return checks;
    },

    async toAspect(image, aspect) {
      const meta = await sharp(image).metadata();
      const [w, h] = [meta.width!, meta.height!];
      if (Math.abs(w / h / aspect - 1) <= 0.01) return null;
      // Cropped from the middle: a scene loses its edges, never gains bars the model did not draw.
      const [tw, th] = w / h > aspect ? [Math.round(h * aspect), h] : [w, Math.round(w / aspect)];
      const png = meta.format === 'png';
      const resized = sharp(image).resize(tw, th, { fit: 'cover', position: 'centre' });
      const bytes = await (png ? resized.png() : resized.jpeg({ quality: 92 })).toBuffer();
      return {
        bytes,
        width: tw,
        height: th,
        contentType: png ? 'image/png' : 'image/jpeg',
        warnings: [`The image model returned ${w}×${h}, not the ratio asked for; it was cropped to ${tw}×${th}.`],
      };
    },
  };
}
