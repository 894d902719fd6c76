// Real test images made with sharp at test time: no binary fixtures in the repo, and every case
// (format, orientation, truncation, size) is visible in code.
import sharp from 'sharp';

export interface SolidOptions {
  width?: number;
  height?: number;
  /** any CSS colour sharp understands: '#ff0000', 'navy' */
  color?: string;
  /** add an alpha channel (PNG / WebP only) */
  alpha?: number;
}

const solid = ({ width = 640, height = 480, color = '#3366cc', alpha }: SolidOptions) =>
  sharp({
    create: {
      width,
      height,
      channels: alpha === undefined ? 3 : 4,
      background: alpha === undefined ? color : { ...hexToRgb(color), alpha },
    },
  });

function hexToRgb(color: string): { r: number; g: number; b: number } {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) throw new Error(`hexToRgb: need #rrggbb, got ${color}`);
  return { r: parseInt(m[1]!, 16), g: parseInt(m[2]!, 16), b: parseInt(m[3]!, 16) };
}

// A copy with its own ArrayBuffer: usable as a BlobPart / fetch body, unlike a pooled Buffer view.
type Bytes = Uint8Array<ArrayBuffer>;
const bytes = (buffer: Buffer): Bytes => new Uint8Array(buffer);

export async function jpeg(options: SolidOptions = {}): Promise<Bytes> {
  return bytes(await solid(options).jpeg({ quality: 90 }).toBuffer());
}

export async function png(options: SolidOptions = {}): Promise<Bytes> {
  return bytes(await solid(options).png().toBuffer());
}

export async function webp(options: SolidOptions = {}): Promise<Bytes> {
  return bytes(await solid(options).webp({ quality: 90 }).toBuffer());
}

/** Left half one colour, right half another: lets a test see which way an image was rotated. */
export async function twoTone(width: number, height: number, left: string, right: string): Promise<Bytes> {
  const half = await solid({ width: Math.ceil(width / 2), height, color: right }).png().toBuffer();
  return bytes(
    await solid({ width, height, color: left })
      .composite([{ input: half, left: Math.floor(width / 2), top: 0 }])
      .jpeg({ quality: 95 })
      .toBuffer(),
  );
}

/** A 600×400 (stored) JPEG that a camera held sideways would write: EXIF Orientation plus GPS. */
export async function jpegWithExifOrientation(orientation = 6, size = { width: 600, height: 400 }): Promise<Bytes> {
  return bytes(
    await solid({ ...size, color: '#884422' })
      .jpeg()
      .withExif({
        IFD0: { Make: 'EtalaseTestCam', Model: 'Sideways 1' },
        // IFD3 is the GPS directory in libvips' naming.
        IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '6/1 10/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '106/1 49/1 0/1' },
      })
      .withMetadata({ orientation })
      .toBuffer(),
  );
}

export async function gif(): Promise<Bytes> {
  return bytes(await solid({ width: 120, height: 120, color: '#ff8800' }).gif().toBuffer());
}

export async function tiff(): Promise<Bytes> {
  return bytes(await solid({ width: 120, height: 120, color: '#008800' }).tiff().toBuffer());
}

export async function avif(): Promise<Bytes> {
  return bytes(await solid({ width: 120, height: 120, color: '#008888' }).avif().toBuffer());
}

export function svg(): Bytes {
  return new TextEncoder().encode(
    '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200">' +
      '<rect width="200" height="200" fill="red"/></svg>',
  );
}

/** The head of an iPhone HEIC file (ftyp box, heic brand): sharp cannot encode HEVC here, and the
 *  sniffing only needs the header. */
export function heic(): Bytes {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write('ftypheic', 4, 'latin1');
  ftyp.writeUInt32BE(0, 12);
  ftyp.write('mif1heic', 16, 'latin1');
  return bytes(Buffer.concat([ftyp, Buffer.alloc(200)]));
}

export function pdf(): Bytes {
  return new TextEncoder().encode(
    '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
  );
}

export function html(): Bytes {
  return new TextEncoder().encode('<!DOCTYPE html>\n<html><head><title>photo.jpg</title></head><body>not a photo</body></html>');
}

export function randomBytes(length = 4096, seed = 1): Bytes {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** The first `fraction` of a file, as an interrupted upload would leave it. */
export function truncated(image: Uint8Array, fraction = 0.5): Bytes {
  return new Uint8Array(image.subarray(0, Math.floor(image.byteLength * fraction)));
}

const hugeCache = new Map<string, Promise<Bytes>>();

/** 8000×6000 = 48 MP, over a 40 MP limit, yet a solid PNG of it is ~150 KB (made once: ~0.6 s). */
export function huge(width = 8000, height = 6000): Promise<Bytes> {
  const key = `${width}x${height}`;
  let made = hugeCache.get(key);
  if (!made) {
    made = solid({ width, height, color: '#cccccc' }).png().toBuffer().then(bytes);
    hugeCache.set(key, made);
  }
  return made;
}

/** Deterministic RGB noise over a gradient: compresses like a real photo, unlike a solid colour. */
export async function noisy(width: number, height: number, seed = 7): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let x = seed >>> 0;
  for (let y = 0, i = 0; y < height; y++) {
    for (let col = 0; col < width; col++, i += 3) {
      x = (x * 1664525 + 1013904223) >>> 0;
      const n = (x >>> 26) - 32; // ±32 of grain
      raw[i] = clamp((col * 255) / width + n);
      raw[i + 1] = clamp((y * 255) / height + n);
      raw[i + 2] = clamp(128 + n);
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v | 0);

let twelve: Promise<Bytes> | undefined;

/** 4000×3000 photo-like JPEG (a few MB), built once per test file. */
export function twelveMegapixelJpeg(): Promise<Bytes> {
  twelve ??= noisy(4000, 3000).then(bytes);
  return twelve;
}

/** A product photo as sellers take them for a packshot: a brown bag with a handle, on a plain coloured
 *  backdrop (teal by default), with a little sensor noise. */
export async function productOnColour(backdrop = '#2a9d8f', size = { width: 1200, height: 900 }): Promise<Bytes> {
  const { width, height } = size;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="${backdrop}"/>
    <path d="M ${width * 0.42} ${height * 0.36} q ${width * 0.08} -${height * 0.2} ${width * 0.16} 0" stroke="#3b2412" stroke-width="${width * 0.02}" fill="none"/>
    <rect x="${width * 0.33}" y="${height * 0.35}" width="${width * 0.34}" height="${height * 0.42}" rx="${width * 0.02}" fill="#7a4a24"/>
    <rect x="${width * 0.46}" y="${height * 0.45}" width="${width * 0.08}" height="${height * 0.05}" fill="#d9b26f"/>
  </svg>`;
  return bytes(await sharp(Buffer.from(svg)).jpeg({ quality: 92 }).toBuffer());
}

/** A lifestyle scene: a product on a table in a busy room (every edge coloured and textured). */
export async function lifestyleScene(width = 1000, height = 1000): Promise<Bytes> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#c97b4a"/><stop offset="1" stop-color="#4a6b8a"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <rect y="${height * 0.65}" width="100%" height="${height * 0.35}" fill="#6b4226"/>
    <rect x="${width * 0.4}" y="${height * 0.4}" width="${width * 0.2}" height="${height * 0.28}" rx="12" fill="#e8d5b0"/>
  </svg>`;
  return bytes(await sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer());
}
