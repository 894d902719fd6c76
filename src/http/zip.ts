// A generation as one ZIP (its images, their marketplace exports and cutouts, prompts.txt), and a
// catalogue as one (a folder per SKU holding the same, FAILED.txt for an item not made, and
// catalog-results.csv), served behind signed links by http/downloads.ts. Streamed with yazl: entries are stored (JPEG and PNG do not
// compress), and each file is read from Storage only when the archive reaches it, so at most one
// file is in memory whatever the batch's or the catalogue's size.
import { Readable } from 'node:stream';
import yazl from 'yazl';
import type { CatalogRecord, GenerationRecord, Storage } from '../studio/ports.js';

/** One file of an archive: its name inside, and how to read it when the archive gets there. */
export interface ZipEntry {
  name: string;
  read(): Promise<Uint8Array | null>;
}

const EXT: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

/** A stream of `entries` as a ZIP; an entry whose read() answers null is left out of nothing: it is
 *  written empty, so the listing still says what was missing. */
export function streamZip(entries: ZipEntry[]): ReadableStream<Uint8Array> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    let started = false;
    const lazy = new Readable({
      read() {
        if (started) return;
        started = true;
        entry.read().then(
          (bytes) => {
            if (bytes) this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
            this.push(null);
          },
          (error: Error) => this.destroy(error),
        );
      },
    });
    zip.addReadStream(lazy, entry.name, { compress: false, mtime: new Date(0) });
  }
  zip.end();
  return Readable.toWeb(zip.outputStream as Readable) as ReadableStream<Uint8Array>;
}

/** What a generation's ZIP holds: every image, its exports and cutout, and prompts.txt; `folder`
 *  puts them in one (a catalogue's SKU). */
export function zipEntries(g: GenerationRecord, storage: Storage, folder = ''): ZipEntry[] {
  const fromStorage = (key: string) => async () => (await storage.get(key))?.bytes ?? null;
  const entries: ZipEntry[] = [];
  g.images.forEach((image, i) => {
    const n = i + 1;
    if (image.key) entries.push({ name: `images/${n}.${EXT[image.contentType] ?? 'jpg'}`, read: fromStorage(image.key) });
    if (image.cutoutKey) entries.push({ name: `cutouts/${n}.png`, read: fromStorage(image.cutoutKey) });
    for (const e of image.exports ?? []) entries.push({ name: `exports/${e.preset.toLowerCase()}/${n}.${EXT[e.contentType] ?? 'jpg'}`, read: fromStorage(e.key) });
  });
  const prompts = [
    `Generation ${g.id} (${g.mode}, ${g.images.length} images)`,
    '',
    'Prompt:',
    g.enhancedPrompt ?? '(none: PACKSHOT uses no image model)',
    '',
    ...g.images.flatMap((image, i) => image.videoPrompts.map((v) => `Image ${i + 1}, video prompt ${v.version}: ${v.text}`)),
    '',
  ].join('\n');
  entries.push({ name: 'prompts.txt', read: async () => new TextEncoder().encode(prompts) });
  return folder ? entries.map((e) => ({ ...e, name: `${folder}/${e.name}` })) : entries;
}

/** What a catalogue's ZIP holds: a line per item in catalog-results.csv, then each item's ZIP in its
 *  SKU's folder (FAILED.txt for one that was not made). The rows are read first, the files as the
 *  archive reaches them. */
export async function catalogEntries(catalog: CatalogRecord, generation: (id: string) => Promise<GenerationRecord | null>, storage: Storage): Promise<ZipEntry[]> {
  const text = (s: string) => async () => new TextEncoder().encode(s.endsWith('\n') ? s : `${s}\n`);
  const entries: ZipEntry[] = [{ name: 'catalog-results.csv', read: text(['sku,status', ...catalog.items.map((i) => `${i.sku},${i.status}`)].join('\n')) }];
  for (const item of catalog.items) {
    const g = await generation(item.generationId);
    if (!g) continue;
    if (g.status !== 'SUCCEEDED') entries.push({ name: `${item.sku}/FAILED.txt`, read: text(`${g.status}: ${g.error ?? ''}`) });
    if (g.images.length) entries.push(...zipEntries(g, storage, item.sku));
  }
  return entries;
}
