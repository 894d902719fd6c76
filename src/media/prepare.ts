// Upload validation and normalisation. The client's MIME type and file name are never consulted:
// the format comes from the bytes, and only JPEG, PNG and WebP get past metadata().
import { createHash } from 'node:crypto';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { InvalidImageError } from '../studio/errors.js';
import {
  slotKind,
  type EncodedImage,
  type ImagePreparer,
  type InspectedImage,
  type PreparedImage,
  type Slot,
  type VisionImage,
} from '../studio/ports.js';

type SourceFormat = PreparedImage['sourceFormat'];

const ACCEPTED = new Set<string>(['jpeg', 'png', 'webp']);
const MIN_SHORT_EDGE = 64;
const VISION = { longEdge: 1024, quality: 82 };
const REFERENCE = { longEdge: 2048, quality: 90 };
const WHITE = { r: 255, g: 255, b: 255 };
const ACCEPTED_HINT = 'upload a JPEG, PNG or WebP photo';

export interface ImageLimits {
  /** width × height of the upload, before any resize */
  maxPixels: number;
}

export function createImagePreparer(limits: ImageLimits): ImagePreparer {
  // Each copy is decoded straight from the upload at the scale it needs (JPEG shrink-on-load makes
  // a 12 MP photo cheap at 1/2 or 1/4 scale), already oriented, flattened onto white, in sRGB.
  const decode = (bytes: Uint8Array, longEdge: number) =>
    sharp(bytes, {
      // 'error' rejects truncated files; 'warning' (the default) would also reject real camera
      // JPEGs with harmless quirks such as extraneous bytes before a marker.
      failOn: 'error',
      limitInputPixels: limits.maxPixels,
      autoOrient: true,
    })
      .resize({ width: longEdge, height: longEdge, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: WHITE })
      .toColourspace('srgb');

  async function inspect(slot: Slot, bytes: Uint8Array): Promise<InspectedImage> {
    if (bytes.byteLength === 0) throw new InvalidImageError(slot, 'the file is empty');
    const meta = await readMetadata(slot, bytes);
    const format = meta.format as string;
    if (!ACCEPTED.has(format)) throw new InvalidImageError(slot, unsupported(displayName(format, meta.compression)));

    const pixels = meta.width * meta.height;
    if (pixels > limits.maxPixels) {
      throw new InvalidImageError(
        slot,
        `the image is ${meta.width}×${meta.height} = ${(pixels / 1e6).toFixed(1)} megapixels; ` +
          `the limit is ${megapixels(limits.maxPixels)} megapixels`,
      );
    }
    const { width: sourceWidth, height: sourceHeight } = meta.autoOrient;
    if (Math.min(sourceWidth, sourceHeight) < MIN_SHORT_EDGE) {
      throw new InvalidImageError(
        slot,
        `the image is ${sourceWidth}×${sourceHeight} px, too small: the short side must be at least ${MIN_SHORT_EDGE} px`,
      );
    }

    // The vision copy decodes every byte of the file, so a truncated or corrupt one fails here,
    // before any coin moves. Plain libjpeg: mozjpeg's trellis search cost 60–180 ms a photo on the
    // critical path to save ~40% of a ~50 KB copy. A JPEG is decoded twice, each time cheaply at the
    // scale its copy needs (shrink-on-load); PNG and WebP cannot shrink on load, so they are decoded
    // once, to the reference size, and both copies come from that.
    let vision: EncodedImage;
    let referenceSource: () => Sharp;
    try {
      if (format === 'jpeg') {
        referenceSource = () => decode(bytes, REFERENCE.longEdge);
        vision = await encode(decode(bytes, VISION.longEdge).jpeg({ quality: VISION.quality }));
      } else {
        const { data, info } = await decode(bytes, REFERENCE.longEdge).raw().toBuffer({ resolveWithObject: true });
        const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
        referenceSource = () => sharp(data, raw);
        vision = await encode(
          referenceSource()
            .resize({ width: VISION.longEdge, height: VISION.longEdge, fit: 'inside', withoutEnlargement: true })
            .jpeg({ quality: VISION.quality }),
        );
      }
    } catch {
      throw new InvalidImageError(slot, 'the image is truncated or corrupt');
    }

    const image: VisionImage = {
      slot,
      kind: slotKind(slot),
      sourceFormat: format as SourceFormat,
      sourceBytes: bytes.byteLength,
      sourceWidth,
      sourceHeight,
      vision,
    };
    return {
      image,
      // No mozjpeg for the big copy either: ~1 s on a 2048 px photo (vs ~80 ms) for ~30% fewer bytes.
      complete: async () => ({
        ...image,
        reference: await encode(referenceSource().jpeg({ quality: REFERENCE.quality, optimiseCoding: true })),
      }),
    };
  }

  return {
    inspect,
    prepare: async (slot, bytes) => (await inspect(slot, bytes)).complete(),
  };
}

async function readMetadata(slot: Slot, bytes: Uint8Array): Promise<Metadata> {
  try {
    // No pixel limit here: metadata() only reads the header, and our own check below gives the user
    // the actual dimensions instead of sharp's "exceeds pixel limit".
    return await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    const known = sniff(bytes);
    if (known === 'html') throw new InvalidImageError(slot, `the file is an HTML page, not an image: ${ACCEPTED_HINT}`);
    if (known) throw new InvalidImageError(slot, unsupported(known));
    const message = error instanceof Error ? error.message : '';
    // sharp recognised the header but could not parse it: a cut-off or damaged image.
    if (/corrupt header/i.test(message) && /^(RIFF|\x89PNG|\xff\xd8)/.test(latin1(bytes, 4))) {
      throw new InvalidImageError(slot, 'the image is truncated or corrupt');
    }
    throw new InvalidImageError(slot, `the file is not an image: ${ACCEPTED_HINT}`);
  }
}

function unsupported(name: string): string {
  return `unsupported image type ${name}: ${ACCEPTED_HINT}`;
}

function displayName(format: string, compression: string | undefined): string {
  if (format === 'heif') return compression === 'av1' ? 'avif' : 'heic';
  return format;
}

function megapixels(pixels: number): string {
  const mp = pixels / 1e6;
  return Number.isInteger(mp) ? String(mp) : mp.toFixed(1);
}

const latin1 = (bytes: Uint8Array, length: number) => Buffer.from(bytes.subarray(0, length)).toString('latin1');

/** Names formats sharp cannot open (or opens only partly) so the user hears "heic", not "not an image". */
function sniff(bytes: Uint8Array): string | null {
  const head = latin1(bytes, 512);
  if (head.startsWith('GIF8')) return 'gif';
  if (head.startsWith('%PDF')) return 'pdf';
  if (head.startsWith('II*\0') || head.startsWith('MM\0*')) return 'tiff';
  if (head.startsWith('BM')) return 'bmp';
  if (head.slice(4, 8) === 'ftyp') {
    const brands = head.slice(8, 32);
    if (/avi[fs]/.test(brands)) return 'avif';
    if (/hei[cxms]|hev[cx]|mif1|msf1/.test(brands)) return 'heic';
  }
  const text = head.replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart().toLowerCase();
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return 'svg';
  if (text.startsWith('<!doctype html') || text.startsWith('<html')) return 'html';
  return null;
}

async function encode(pipeline: Sharp): Promise<EncodedImage> {
  const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return {
    bytes,
    contentType: 'image/jpeg',
    width: info.width,
    height: info.height,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
