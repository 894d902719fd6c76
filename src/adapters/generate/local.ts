// A generator that composes real JPEGs on this machine: the uploaded background (or a tone for the
// chosen background) with the product photos placed on it. No AI, no network: it lets the whole
// pipeline, the media route and clients run end to end offline, and gives tests real files.
import { createHash } from 'node:crypto';
import sharp, { type OverlayOptions } from 'sharp';
import { pixelSize } from '../../studio/style-catalog.js';
import {
  GenerationError,
  type GeneratedImage,
  type GenerateRequest,
  type GenerateResult,
  type Generator,
} from '../../studio/ports.js';

const SAFE_ID = /^[A-Za-z0-9-]{1,100}$/;
const ID_PREFIX = 'local-';
const DEFAULT_TONE = '#efe6d8'; // soft beige

// One tone per background value, so "STREET" at least looks like asphalt without a photo.
const BACKGROUND_TONES: Record<string, string> = {
  STUDIO: '#e4e4e4',
  AESTHETIC_ROOM_WOMEN: '#ecd9d2',
  AESTHETIC_ROOM_MEN: '#b9bec4',
  VINYL_FLOOR_CURTAIN: '#cdb79a',
  WALL_RUG_FLOOR_LAMP: '#c9b8a6',
  MINIMALIST: '#f4f1ea',
  STREET: '#6b6d70',
  AESTHETIC_TABLE: '#d8c3a5',
  RUG: '#cbbfa8',
  CURTAIN: '#e8e0d0',
  PLAIN_WALL: '#efece6',
  CAR_INTERIOR: '#3b3d40',
  MALL: '#dcdde0',
  REMOVE: '#ffffff',
};

type Raw = { data: Buffer; width: number; height: number; channels: 3 | 4 };
const rawOf = ({ width, height, channels }: Raw) => ({ width, height, channels });

/** The images come back as bytes (the job stores them); there is nothing to resume: a retried job
 *  makes the same batch again, for free and identically (the seed comes from the request). */
export function createLocalGenerator(): Generator {
  return {
    name: 'local',
    models: { TEXT_TO_IMAGE: 'local', REFERENCE: 'local' },

    async generate(request: GenerateRequest): Promise<GenerateResult> {
      const { generationId, signal } = request;
      if (!SAFE_ID.test(generationId)) throw new GenerationError('invalid generation id for local media');
      throwIfAborted(signal);
      await request.onSubmitted(ID_PREFIX + generationId);
      request.onProgress({ stage: 'GENERATING' });

      const { width, height } = pixelSize(request.options.aspectRatio);
      const canvas = await backgroundCanvas(request, width, height);
      const boxEdge = Math.round(Math.min(width, height) * 0.7);
      const products = await Promise.all(
        request.references.filter((r) => r.kind === 'product').map((r) => fitRaw(r.reference.bytes, boxEdge)),
      );
      const seedBase = batchSeed(request);

      const images: GeneratedImage[] = [];
      for (let index = 0; index < request.count; index++) {
        throwIfAborted(signal);
        const rand = mulberry32(seedBase + index * 0x9e3779b9);
        const layers = await composeLayers(products, width, height, rand);
        const jpeg = await sharp(canvas.data, { raw: rawOf(canvas) })
          .composite(layers)
          .jpeg({ quality: 88 })
          .toBuffer();
        images.push({ url: '', bytes: new Uint8Array(jpeg), width, height, contentType: 'image/jpeg' });
      }
      // Nothing here is generated: the pictures are the seller's own (unrefused) photos on a tone.
      return { images, warnings: [], screened: true };
    },
  };
}

function throwIfAborted(signal: AbortSignal): void {
  if (!signal.aborted) return;
  throw signal.reason instanceof Error ? signal.reason : Object.assign(new Error('The generation was aborted'), { name: 'AbortError' });
}

async function backgroundCanvas(request: GenerateRequest, width: number, height: number): Promise<Raw> {
  const upload = request.references.find((r) => r.kind === 'background');
  const base = upload
    ? sharp(upload.reference.bytes).resize(width, height, { fit: 'cover', position: 'attention' })
    : sharp({ create: { width, height, channels: 3, background: tone(request) } });
  const { data, info } = await base.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

function tone(request: GenerateRequest): string {
  const { backgroundColor, background } = request.options;
  if (backgroundColor && /^#[0-9a-f]{6}$/i.test(backgroundColor)) return backgroundColor;
  return (background && BACKGROUND_TONES[background]) || DEFAULT_TONE;
}

async function fitRaw(bytes: Uint8Array, edge: number): Promise<Raw> {
  const { data, info } = await sharp(bytes)
    .resize(edge, edge, { fit: 'inside', withoutEnlargement: true })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 4 };
}

/** One shading layer (light, tint, shadows, vignette) under the products: all varied by `rand`. */
async function composeLayers(products: Raw[], width: number, height: number, rand: () => number): Promise<OverlayOptions[]> {
  const short = Math.min(width, height);
  const hue = Math.floor(rand() * 360);
  const light = { x: Math.round(rand() * 100), y: Math.round(rand() * 40) };
  const under: string[] = [
    `<radialGradient id="l" cx="${light.x}%" cy="${light.y}%" r="90%"><stop offset="0" stop-color="#fff" stop-opacity="0.35"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient>`,
    `<rect width="100%" height="100%" fill="url(#l)"/>`,
    `<rect width="100%" height="100%" fill="hsl(${hue},60%,50%)" fill-opacity="${(0.04 + rand() * 0.06).toFixed(3)}"/>`,
  ];
  const placed: OverlayOptions[] = [];

  // Products sit in a square group box (55–70% of the short edge), on a grid of cells.
  const group = short * (0.55 + rand() * 0.15);
  const count = Math.max(1, products.length);
  const cols = Math.ceil(Math.sqrt(count));
  const rows = Math.ceil(count / cols);
  const cellW = group / cols;
  const cellH = group / rows;
  const gx = (width - group) / 2 + (rand() - 0.5) * 0.16 * (width - group * 0.5);
  const gy = (height - group) / 2 + (rand() - 0.5) * 0.12 * (height - group * 0.5);

  for (let i = 0; i < count; i++) {
    const angle = Math.round((rand() - 0.5) * 8 * 10) / 10;
    const boxW = Math.max(16, Math.round(cellW * 0.92));
    const boxH = Math.max(16, Math.round(cellH * 0.92));
    const source = products[i];
    const item = source
      ? sharp(source.data, { raw: rawOf(source) }).resize(boxW, boxH, { fit: 'inside' })
      : sharp(Buffer.from(placeholderSvg(boxW, boxH, hue)));
    const { data, info } = await item
      .rotate(angle, { background: { r: 0, g: 0, b: 0, alpha: 0 } })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const cx = gx + cellW * ((i % cols) + 0.5);
    const cy = gy + cellH * (Math.floor(i / cols) + 0.5);
    const left = clamp(Math.round(cx - info.width / 2), 0, width - info.width);
    const top = clamp(Math.round(cy - info.height / 2), 0, height - info.height);
    const sw = Math.round(info.width * 0.9);
    const sh = Math.round(info.height * 0.9);
    // Photos get a soft rectangular shadow; the placeholder draws its own under its shape.
    if (source) {
      under.push(
        `<rect x="${left + (info.width - sw) / 2 + short * 0.015}" y="${top + (info.height - sh) / 2 + short * 0.025}" ` +
          `width="${sw}" height="${sh}" rx="${short * 0.02}" fill="#000" fill-opacity="0.28" filter="url(#s)" ` +
          `transform="rotate(${angle} ${left + info.width / 2} ${top + info.height / 2})"/>`,
      );
    }
    placed.push({ input: data, raw: { width: info.width, height: info.height, channels: 4 }, left, top });
  }

  const blur = `<filter id="s" x="-20%" y="-20%" width="140%" height="140%"><feGaussianBlur stdDeviation="${(short * 0.018).toFixed(1)}"/></filter>`;
  const vignette =
    `<radialGradient id="v" cx="50%" cy="50%" r="75%"><stop offset="0.55" stop-color="#000" stop-opacity="0"/>` +
    `<stop offset="1" stop-color="#000" stop-opacity="${(0.18 + rand() * 0.2).toFixed(3)}"/></radialGradient>`;
  under.push('<rect width="100%" height="100%" fill="url(#v)"/>');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width / SHADE_SCALE}" height="${height / SHADE_SCALE}" viewBox="0 0 ${width} ${height}"><defs>${blur}${vignette}</defs>${under.join('')}</svg>`;
  return [{ input: await shadeLayer(svg, width, height), raw: { width, height, channels: 4 }, left: 0, top: 0 }, ...placed];
}

// Light, tint, shadows and vignette are all smooth, so they are rendered at a quarter of the size
// and scaled up: librsvg's blur at full size cost ~0.3 s an image. The upscale runs on raw pixels
// because sharp would re-render an SVG input at the target size, undoing the saving.
const SHADE_SCALE = 4;

async function shadeLayer(svg: string, width: number, height: number): Promise<Buffer> {
  const small = await sharp(Buffer.from(svg)).raw().toBuffer({ resolveWithObject: true });
  const raw = { width: small.info.width, height: small.info.height, channels: 4 as const };
  return sharp(small.data, { raw }).resize(width, height, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
}

/** A simple bottle-like product: a body with a label band and a cap, so a photo-less batch still reads. */
function placeholderSvg(w: number, h: number, hue: number): string {
  const bw = Math.round(w * 0.5);
  const bh = Math.round(h * 0.7);
  const x = Math.round((w - bw) / 2);
  const y = Math.round(h * 0.22);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">` +
    `<ellipse cx="${w / 2}" cy="${y + bh}" rx="${bw * 0.6}" ry="${h * 0.035}" fill="#000" fill-opacity="0.25"/>` +
    `<rect x="${x + bw * 0.3}" y="${h * 0.06}" width="${bw * 0.4}" height="${h * 0.18}" rx="${bw * 0.06}" fill="hsl(${hue},25%,25%)"/>` +
    `<rect x="${x}" y="${y}" width="${bw}" height="${bh}" rx="${bw * 0.18}" fill="hsl(${hue},45%,55%)"/>` +
    `<rect x="${x}" y="${y + bh * 0.38}" width="${bw}" height="${bh * 0.26}" fill="hsl(${hue},30%,92%)"/>` +
    `</svg>`
  );
}

/** Same prompt, options and uploads → same pictures; the generation id is left out on purpose. */
function batchSeed(request: GenerateRequest): number {
  if (request.seed !== undefined) return request.seed >>> 0;
  const hash = createHash('sha256')
    .update(request.prompt)
    .update(JSON.stringify(request.options))
    .update(request.references.map((r) => `${r.slot}:${r.reference.sha256}`).join(','))
    .digest();
  return hash.readUInt32BE(0);
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), Math.max(lo, hi));
