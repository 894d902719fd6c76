// A catalogue uploaded as a ZIP (yauzl, which reads the central directory first and entries only
// when asked): catalog.csv at the root (csv-parse) names a folder of photos per SKU. Everything that
// can be refused from the directory and the manifest is refused before the first photo is
// extracted: too many entries, a name that climbs out (`..`, absolute, backslashes), an entry too
// large or compressed beyond the ratio a photo can have (a ZIP bomb), a missing folder, a duplicate
// SKU, a file that is not a photo. Then items are extracted one at a time, as the studio reads them,
// and each entry's real size is checked while it inflates (yauzl's validateEntrySizes, plus a cap).
import { parse } from 'csv-parse/sync';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { CatalogItemError, InvalidInputError } from '../studio/errors.js';
import type { StyleOptionsInput } from '../studio/options.js';
import { MAX_CATALOG_ITEMS, type CatalogArchive, type CatalogItemCommand } from '../studio/ports.js';
import { MAX_PRODUCT_IMAGES } from '../studio/request.js';

export interface CatalogZipLimits {
  /** the largest photo, uncompressed (MAX_FILE_BYTES) */
  maxFileBytes: number;
  /** entries in the central directory: 50 items × 6 photos, folders and the manifest */
  maxEntries?: number;
  /** uncompressed ÷ compressed for any entry: photos barely compress, a bomb compresses a thousandfold */
  maxRatio?: number;
  /** all entries together, uncompressed */
  maxTotalBytes?: number;
}

export const MANIFEST = 'catalog.csv';
const MANIFEST_BYTES = 1_000_000;
const OPTION_COLUMNS = [
  'contentType', 'category', 'modelType', 'interaction', 'pose', 'customPose', 'background',
  'backgroundColor', 'customBackground', 'style', 'lighting', 'cameraAngle', 'aspectRatio',
] as const;
const COLUMNS = new Set<string>(['sku', 'folder', 'prompt', ...OPTION_COLUMNS]);
const IMAGE = /\.(jpe?g|png|webp)$/i;
/** Files a ZIP tool adds on its own (macOS, Windows): skipped, never refused. */
const JUNK = /(^|\/)(__MACOSX\/|\.DS_Store$|Thumbs\.db$|desktop\.ini$|\._)/i;

const bad = (reason: string) => new InvalidInputError('zip', reason);

/** A stored name as a safe relative path, or why not. */
function safeName(raw: Buffer): string {
  const name = raw.toString('utf8');
  const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
  if (name.includes('\\') || name.includes('\0')) throw bad(`The entry ${shown} has a backslash or NUL in its name.`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw bad(`The entry ${shown} has an absolute path.`);
  if (name.split('/').some((part) => part === '..')) throw bad(`The entry ${shown} climbs out of the ZIP (..).`);
  return name;
}

async function readAll(zip: ZipFile, entry: Entry, max: number, name: string): Promise<Buffer> {
  const stream = await zip.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > max) throw bad(`The entry ${JSON.stringify(name)} is larger than it says.`);
      chunks.push(chunk);
    }
  } catch (error) {
    stream.destroy();
    if (error instanceof InvalidInputError) throw error;
    throw bad(`The entry ${JSON.stringify(name)} could not be read: ${(error as Error).message}`);
  }
  return Buffer.concat(chunks, total);
}

interface Row {
  row: number;
  sku: string;
  folder: string;
  prompt: string | null;
  options: StyleOptionsInput | null;
  photos: { product: Entry[]; face: Entry | null; background: Entry | null };
}

export function createCatalogZipReader(limits: CatalogZipLimits): CatalogArchive {
  const maxEntries = limits.maxEntries ?? MAX_CATALOG_ITEMS * 6 + MAX_CATALOG_ITEMS + 10;
  const maxRatio = limits.maxRatio ?? 100;
  const maxTotal = limits.maxTotalBytes ?? 1024 * 1024 * 1024;

  async function read(bytes: Uint8Array): Promise<AsyncIterable<CatalogItemCommand>> {
    const zip = await yauzl
      .fromBufferPromise(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { lazyEntries: true, decodeStrings: false, validateEntrySizes: true })
      .catch((error: Error) => {
        throw bad(`Not a readable ZIP: ${error.message}`);
      });
    try {
      if (zip.entryCount > maxEntries) throw bad(`The ZIP has ${zip.entryCount} entries; at most ${maxEntries}.`);
      // The central directory only: names and sizes, no data.
      const files = new Map<string, Entry>();
      const folders = new Set<string>();
      let total = 0;
      for await (const entry of zip.eachEntry()) {
        if (files.size + folders.size >= maxEntries) throw bad(`The ZIP has more than ${maxEntries} entries.`);
        const name = safeName(entry.fileNameRaw ?? Buffer.from(String(entry.fileName)));
        if (JUNK.test(name)) continue;
        if (name.endsWith('/')) {
          folders.add(name.slice(0, -1));
          continue;
        }
        if (entry.isEncrypted()) throw bad(`The entry ${JSON.stringify(name)} is encrypted.`);
        const max = name === MANIFEST ? MANIFEST_BYTES : limits.maxFileBytes;
        if (entry.uncompressedSize > max) throw bad(`The entry ${JSON.stringify(name)} is ${entry.uncompressedSize} bytes; at most ${max}.`);
        if (entry.uncompressedSize > 64 * 1024 && entry.uncompressedSize > maxRatio * Math.max(1, entry.compressedSize)) {
          throw bad(`The entry ${JSON.stringify(name)} is compressed ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))}:1; photos compress far less (a ZIP bomb?).`);
        }
        total += entry.uncompressedSize;
        if (total > maxTotal) throw bad(`The ZIP holds more than ${maxTotal} bytes uncompressed.`);
        files.set(name, entry);
        // Every parent is a folder, whether or not the ZIP lists it.
        for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) folders.add(name.slice(0, i));
      }
      const manifest = files.get(MANIFEST);
      if (!manifest) throw bad(`The ZIP has no ${MANIFEST} at its root.`);
      const rows = planRows(await readAll(zip, manifest, MANIFEST_BYTES, MANIFEST), files, folders);
      return extract(zip, rows);
    } catch (error) {
      zip.close();
      throw error;
    }
  }

  function planRows(csv: Buffer, files: Map<string, Entry>, folders: Set<string>): Row[] {
    let records: Array<Record<string, string>>;
    try {
      records = parse(csv, { columns: (header: string[]) => header.map((h) => h.trim()), bom: true, trim: true, skip_empty_lines: true, max_record_size: 10_000 });
    } catch (error) {
      throw bad(`${MANIFEST} is not valid CSV: ${(error as Error).message}`);
    }
    const header = Object.keys(records[0] ?? {});
    const unknown = header.filter((h) => !COLUMNS.has(h));
    if (unknown.length) throw bad(`${MANIFEST} has unknown columns: ${unknown.join(', ')} (known: ${[...COLUMNS].join(', ')}).`);
    if (records.length === 0 || !header.includes('sku') || !header.includes('folder')) throw bad(`${MANIFEST} needs a header with sku and folder, and at least one row.`);
    const skus = new Set<string>();
    return records.map((record, i) => {
      const row = i + 2;
      const sku = record.sku ?? '';
      const refuse = (reason: string): never => {
        throw new CatalogItemError(row, sku || null, reason, 'catalog.csv');
      };
      if (i >= MAX_CATALOG_ITEMS) refuse(`a catalogue has at most ${MAX_CATALOG_ITEMS} items; this manifest has ${records.length}.`);
      if (!sku) refuse('sku is empty.');
      if (skus.has(sku.toLowerCase())) refuse(`the SKU ${sku} appears twice.`);
      skus.add(sku.toLowerCase());
      const folder = (record.folder ?? '').replace(/^\.\//, '').replace(/\/+$/, '');
      if (!folder || folder.split('/').some((p) => p === '..' || p === '') || folder.startsWith('/')) refuse(`folder ${JSON.stringify(record.folder ?? '')} is not a folder inside the ZIP.`);
      if (!folders.has(folder)) refuse(`the folder ${JSON.stringify(folder)} is not in the ZIP.`);
      const inside = [...files.keys()].filter((n) => n.startsWith(`${folder}/`) && !n.slice(folder.length + 1).includes('/')).sort();
      const photos: Row['photos'] = { product: [], face: null, background: null };
      for (const name of inside) {
        const base = name.slice(folder.length + 1);
        if (!IMAGE.test(base)) refuse(`${name} is not a photo (JPEG, PNG or WebP).`);
        const stem = base.replace(IMAGE, '').toLowerCase();
        if (stem === 'face') photos.face = files.get(name)!;
        else if (stem === 'background') photos.background = files.get(name)!;
        else photos.product.push(files.get(name)!);
      }
      if (photos.product.length > MAX_PRODUCT_IMAGES) refuse(`the folder has ${photos.product.length} product photos; at most ${MAX_PRODUCT_IMAGES}.`);
      const options = Object.fromEntries(OPTION_COLUMNS.filter((c) => record[c]).map((c) => [c, record[c]])) as StyleOptionsInput;
      return { row, sku, folder, prompt: record.prompt || null, options: Object.keys(options).length ? options : null, photos };
    });
  }

  /** One item's photos at a time; the ZIP is closed when the reader is done (or leaves early). */
  async function* extract(zip: ZipFile, rows: Row[]): AsyncGenerator<CatalogItemCommand> {
    try {
      for (const r of rows) {
        const get = (entry: Entry) => readAll(zip, entry, limits.maxFileBytes, String(entry.fileNameRaw ?? entry.fileName)).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
        yield {
          row: r.row,
          sku: r.sku,
          productImages: await Promise.all(r.photos.product.map(get)),
          faceImage: r.photos.face ? await get(r.photos.face) : null,
          backgroundImage: r.photos.background ? await get(r.photos.background) : null,
          options: r.options,
          prompt: r.prompt,
        };
      }
    } finally {
      zip.close();
    }
  }

  return { read };
}
