// Upload validation and normalisation. The client's MIME type and file name are never consulted:
// the format comes from the bytes, and only JPEG, PNG and WebP get past metadata().
//
// Two steps, so that a bad file costs almost nothing: every upload's header is checked first (format,
// dimensions, pixel limit, minimum size, a container that is whole) before any upload is decoded;
// then the decodes run through the process-wide pool (./pool.ts), and the first refusal drops the
// ones still queued.
import { createHash } from 'node:crypto';
import sharp, { type FailOnOptions, type Metadata, type Sharp } from 'sharp';
import { InvalidImageError } from '../studio/errors.js';
import {
  REFERENCE_LONG_EDGE,
  slotKind,
  type CheckedImage,
  type EncodedImage,
  type ImagePreparer,
  type InspectedImage,
  type PreparedImage,
  type Slot,
  type VisionImage,
} from '../studio/ports.js';
import { pngIsWhole, walkJpeg, webpIsWhole } from './completeness.js';
import { imagePool, type WorkPool } from './pool.js';

type SourceFormat = PreparedImage['sourceFormat'];

// libvips' operation cache keeps recent pipelines with their buffers (up to 50 MB, 100 operations)
// for a repeat that never comes: every upload is new. Off, so memory follows the pool, not the past.
sharp.cache(false);

const ACCEPTED = new Set<string>(['jpeg', 'png', 'webp']);
const MIN_SHORT_EDGE = 64;
const VISION = { longEdge: 1024, quality: 82 };
const REFERENCE = { longEdge: REFERENCE_LONG_EDGE, quality: 90 };
const WHITE = { r: 255, g: 255, b: 255 };
const ACCEPTED_HINT = 'upload a JPEG, PNG or WebP photo';
const TRUNCATED = 'the image is truncated or corrupt';

/** libjpeg warnings that real camera files carry and that leave every pixel intact. Any other
 *  warning (notably "premature end of data segment": a scan that stops before its last row) refuses. */
const HARMLESS_JPEG_WARNING = /extraneous bytes before marker|bad ICC marker|Unknown Adobe color transform|Invalid SOS parameters for sequential JPEG/i;

export interface ImageLimits {
  /** width × height of the upload, before any resize */
  maxPixels: number;
}

export interface PreparerOptions extends ImageLimits {
  /** where decodes run; the process-wide pool unless a test brings its own */
  pool?: WorkPool;
}

interface Checked extends CheckedImage {
  /** what the decoder reads: the upload, or for a JPEG with stray bytes between segments, the upload without them */
  bytes: Uint8Array;
}

export function createImagePreparer({ maxPixels, pool = imagePool }: PreparerOptions): ImagePreparer {
  // Each copy is decoded straight from the upload at the scale it needs (JPEG shrink-on-load makes
  // a 12 MP photo cheap at 1/2 or 1/4 scale), already oriented, flattened onto white, in sRGB.
  const decode = (bytes: Uint8Array, longEdge: number, failOn: FailOnOptions) =>
    sharp(bytes, { failOn, limitInputPixels: maxPixels, autoOrient: true })
      .resize({ width: longEdge, height: longEdge, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: WHITE })
      .toColourspace('srgb');

  /** The header alone: nothing is decoded. */
  async function check(slot: Slot, bytes: Uint8Array): Promise<Checked> {
    if (bytes.byteLength === 0) throw new InvalidImageError(slot, 'the file is empty');
    const meta = await readMetadata(slot, bytes);
    const format = meta.format as string;
    if (!ACCEPTED.has(format)) throw new InvalidImageError(slot, unsupported(displayName(format, meta.compression)));

    const pixels = meta.width * meta.height;
    if (pixels > maxPixels) {
      throw new InvalidImageError(
        slot,
        `the image is ${meta.width}×${meta.height} = ${(pixels / 1e6).toFixed(1)} megapixels; ` +
          `the limit is ${megapixels(maxPixels)} megapixels`,
      );
    }
    const { width: sourceWidth, height: sourceHeight } = meta.autoOrient;
    if (Math.min(sourceWidth, sourceHeight) < MIN_SHORT_EDGE) {
      throw new InvalidImageError(
        slot,
        `the image is ${sourceWidth}×${sourceHeight} px, too small: the short side must be at least ${MIN_SHORT_EDGE} px`,
      );
    }
    const sourceFormat = format as SourceFormat;
    let source = bytes;
    if (sourceFormat === 'jpeg') {
      const walk = walkJpeg(bytes);
      if (!walk.whole) throw new InvalidImageError(slot, TRUNCATED);
      // Stripped, so that the strict decode below still sees what comes after them.
      if (walk.strayBytes > 0) source = walk.withoutStrayBytes();
    } else if (!(sourceFormat === 'png' ? pngIsWhole : webpIsWhole)(bytes)) {
      throw new InvalidImageError(slot, TRUNCATED);
    }
    return { slot, bytes: source, sourceFormat, sourceBytes: bytes.byteLength, sourceWidth, sourceHeight };
  }

  /** The vision copy decodes every byte of the file, so a file short inside fails here, before any
   *  coin moves. Plain libjpeg: mozjpeg's trellis search cost 60–180 ms a photo on the critical path
   *  to save ~40% of a ~50 KB copy. A JPEG is decoded twice, each time cheaply at the scale its copy
   *  needs (shrink-on-load); PNG and WebP cannot shrink on load, so they are decoded once, to the
   *  reference size, and both copies come from that. */
  async function decodeChecked(checked: Checked, signal: AbortSignal | undefined, onRefused: (refusal: InvalidImageError) => void): Promise<InspectedImage> {
    const { slot, bytes, sourceFormat } = checked;
    const { vision, referenceSource } = await pool.run(async () => {
      try {
        if (sourceFormat === 'jpeg') {
          const { value: vision, failOn } = await strictJpeg((failOn) => encode(decode(bytes, VISION.longEdge, failOn).jpeg({ quality: VISION.quality })));
          return { vision, referenceSource: () => decode(bytes, REFERENCE.longEdge, failOn) };
        }
        const { data, info } = await decode(bytes, REFERENCE.longEdge, 'error').raw().toBuffer({ resolveWithObject: true });
        const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
        const referenceSource = () => sharp(data, raw);
        const vision = await encode(
          referenceSource()
            .resize({ width: VISION.longEdge, height: VISION.longEdge, fit: 'inside', withoutEnlargement: true })
            .jpeg({ quality: VISION.quality }),
        );
        return { vision, referenceSource };
      } catch {
        // Told before the pool frees this slot, so no queued sibling starts in it.
        const refusal = new InvalidImageError(slot, TRUNCATED);
        onRefused(refusal);
        throw refusal;
      }
    }, signal);

    const image: VisionImage = {
      slot,
      kind: slotKind(slot),
      sourceFormat,
      sourceBytes: checked.sourceBytes,
      sourceWidth: checked.sourceWidth,
      sourceHeight: checked.sourceHeight,
      vision,
    };
    return {
      image,
      complete: async (completeSignal = signal) => ({
        ...image,
        reference: await pool.run(() => encodeReference(referenceSource()), completeSignal),
      }),
    };
  }

  /** The worker's path: no vision copy (the API made it), one decode at the reference size. */
  async function reference(slot: Slot, upload: Uint8Array, signal?: AbortSignal): Promise<EncodedImage> {
    const { bytes, sourceFormat } = await check(slot, upload);
    return pool.run(async () => {
      try {
        if (sourceFormat !== 'jpeg') return await encodeReference(decode(bytes, REFERENCE.longEdge, 'error'));
        return (await strictJpeg((failOn) => encodeReference(decode(bytes, REFERENCE.longEdge, failOn)))).value;
      } catch {
        throw new InvalidImageError(slot, TRUNCATED);
      }
    }, signal);
  }

  async function inspectAll(uploads: ReadonlyArray<{ slot: Slot; bytes: Uint8Array }>, signal?: AbortSignal): Promise<InspectedImage[]> {
    // Every header before any decode; the refusal reported is the first upload's, whichever
    // check finished first.
    const checks = await Promise.allSettled(uploads.map((u) => check(u.slot, u.bytes)));
    const refused = checks.find((c) => c.status === 'rejected');
    if (refused) throw refused.reason;
    const checked = checks.map((c) => (c as PromiseFulfilledResult<Checked>).value);

    // The first refusal drops the decodes still queued; those already running finish unheard.
    const siblings = new AbortController();
    const stop = signal ? AbortSignal.any([signal, siblings.signal]) : siblings.signal;
    const refuse = (refusal: InvalidImageError) => siblings.abort(refusal);
    try {
      return await Promise.all(checked.map((c) => decodeChecked(c, stop, refuse)));
    } catch (error) {
      siblings.abort(error);
      throw error;
    }
  }

  return {
    check: async (slot, bytes) => {
      const { bytes: _, ...header } = await check(slot, bytes);
      return header;
    },
    inspectAll,
    inspect: async (slot, bytes) => (await inspectAll([{ slot, bytes }]))[0]!,
    prepare: async (slot, bytes) => (await inspectAll([{ slot, bytes }]))[0]!.complete(),
    reference,
  };
}

/** Strict first (sharp's advice for untrusted input); a known-harmless quirk gets a second, lenient
 *  decode. check() already refused a file cut short and removed stray bytes, the commonest quirk, so
 *  that a scan cut short behind them is still caught here. */
async function strictJpeg<T>(decodeWith: (failOn: FailOnOptions) => Promise<T>): Promise<{ value: T; failOn: FailOnOptions }> {
  try {
    return { value: await decodeWith('warning'), failOn: 'warning' };
  } catch (error) {
    if (!onlyHarmlessJpegWarnings(error)) throw error;
    return { value: await decodeWith('error'), failOn: 'error' };
  }
}

/** No mozjpeg for the big copy: ~1 s on a 2048 px photo (vs ~80 ms) for ~30% fewer bytes. */
const encodeReference = (pipeline: Sharp) => encode(pipeline.jpeg({ quality: REFERENCE.quality, optimiseCoding: true }));

function onlyHarmlessJpegWarnings(error: unknown): boolean {
  const lines = (error instanceof Error ? error.message : '').split('\n').filter((l) => l.startsWith('VipsJpeg:'));
  return lines.length > 0 && lines.every((l) => HARMLESS_JPEG_WARNING.test(l));
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
      throw new InvalidImageError(slot, TRUNCATED);
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
