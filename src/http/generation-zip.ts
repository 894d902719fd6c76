// A generation as one ZIP (its images, their marketplace exports and cutouts, prompts.txt), behind a
// signed link: GET /zip/<generation id>?expires=…&signature=… (HMAC-SHA256 with a key generated once
// into DATA_DIR, like the media links). Streamed with yazl: entries are stored (JPEG and PNG do not
// compress), and each file is read from Storage only when the archive reaches it, so at most one
// file is in memory whatever the batch's size. zipEntries/streamZip are the reusable part (a
// catalogue's ZIP is the same with other entries).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import yazl from 'yazl';
import type { GenerationRecord, Storage } from '../studio/ports.js';

/** One file of an archive: its name inside, and how to read it when the archive gets there. */
export interface ZipEntry {
  name: string;
  read(): Promise<Uint8Array | null>;
}

const ROUTE = /^\/zip\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
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

/** What a generation's ZIP holds: every image, its exports and cutout, and prompts.txt. */
export function zipEntries(g: GenerationRecord, storage: Storage): ZipEntry[] {
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
  return entries;
}

export interface ZipLinks {
  /** a signed link to the generation's ZIP, valid for `ttlSeconds` */
  urlFor(generationId: string): string;
  /** answers GET /zip/…: the ZIP, 403 for a bad or expired link, 404 for a batch with nothing to give; null for other paths */
  handle(url: URL): Promise<Response | null>;
}

export function createZipLinks(options: {
  secret: Buffer;
  publicUrl: string;
  ttlSeconds: number;
  storage: Storage;
  generation(id: string): Promise<GenerationRecord | null>;
  now?: () => number;
}): ZipLinks {
  const now = options.now ?? Date.now;
  const sign = (id: string, expires: number) => createHmac('sha256', options.secret).update(`zip\n${id}\n${expires}`).digest('base64url');
  const base = options.publicUrl.replace(/\/+$/, '');
  return {
    urlFor(id) {
      const step = Math.max(1, Math.min(300, Math.floor(options.ttlSeconds / 10)));
      const expires = Math.ceil((Math.floor(now() / 1000) + options.ttlSeconds) / step) * step;
      return `${base}/zip/${id}?expires=${expires}&signature=${sign(id, expires)}`;
    },
    async handle(url) {
      const match = ROUTE.exec(url.pathname);
      if (!match) return url.pathname.startsWith('/zip/') ? new Response('Not found', { status: 404 }) : null;
      const id = match[1]!.toLowerCase();
      const expires = Number(url.searchParams.get('expires'));
      const given = Buffer.from(url.searchParams.get('signature') ?? '', 'base64url');
      const expected = Buffer.from(sign(id, expires), 'base64url');
      if (!Number.isSafeInteger(expires) || given.length !== expected.length || !timingSafeEqual(given, expected) || expires * 1000 <= now()) {
        return new Response('Forbidden', { status: 403 });
      }
      const g = await options.generation(id);
      if (!g || g.images.length === 0) return new Response('Not found', { status: 404 });
      return new Response(streamZip(zipEntries(g, options.storage)), {
        headers: {
          'content-type': 'application/zip',
          'content-disposition': `attachment; filename="etalase-${id.slice(0, 8)}.zip"`,
          'cache-control': 'private, no-store',
        },
      });
    },
  };
}
