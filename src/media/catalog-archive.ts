// One ZIP of a whole catalogue (yazl): a folder per SKU with its images, its prompt and the video
// prompts of each image, and a FAILED.txt for an item that was not made. Streamed: each image is
// read from Storage only when the ZIP writer reaches it, so memory holds one image at a time
// whatever the catalogue's size. Images are stored, not deflated (JPEG and WebP do not shrink).
import { Readable } from 'node:stream';
import yazl from 'yazl';
import type { CatalogRecord, GenerationRecord, Storage } from '../studio/ports.js';

const extensionOf = (contentType: string) => (contentType === 'image/png' ? 'png' : contentType === 'image/webp' ? 'webp' : 'jpg');
const text = (s: string) => Buffer.from(s.endsWith('\n') ? s : `${s}\n`, 'utf8');

/** The ZIP as a byte stream; items are read with `generation` as the writer reaches them. */
export function catalogArchive(catalog: CatalogRecord, generation: (id: string) => Promise<GenerationRecord | null>, storage: Storage): Readable {
  const zip = new yazl.ZipFile();
  const mtime = catalog.finishedAt ?? catalog.createdAt;
  const fail = (error: unknown) => (zip.outputStream as Readable).destroy(error as Error);
  void (async () => {
    zip.addBuffer(
      text(['sku,status,images', ...catalog.items.map((i) => `${i.sku},${i.status},`)].join('\n')),
      'catalog-results.csv',
      { mtime },
    );
    for (const item of catalog.items) {
      const g = await generation(item.generationId);
      if (!g) continue;
      const folder = item.sku;
      if (g.status !== 'SUCCEEDED') zip.addBuffer(text(`${g.status}: ${g.error ?? ''}`), `${folder}/FAILED.txt`, { mtime });
      if (g.enhancedPrompt) zip.addBuffer(text(g.enhancedPrompt), `${folder}/prompt.txt`, { mtime });
      g.images.forEach((image, i) => {
        const name = `${folder}/${i + 1}`;
        if (image.videoPrompts.length) zip.addBuffer(text(image.videoPrompts.map((v) => `${v.version}: ${v.text}`).join('\n\n')), `${name}-video-prompts.txt`, { mtime });
        if (!image.key) return;
        const key = image.key;
        zip.addReadStreamLazy(`${name}.${extensionOf(image.contentType)}`, { mtime, compress: false }, (cb) => {
          storage.get(key).then(
            (object) => cb(null, Readable.from(object ? [Buffer.from(object.bytes)] : [])),
            (error) => cb(error, Readable.from([])),
          );
        });
      });
    }
    zip.end();
  })().catch(fail);
  return zip.outputStream as Readable;
}
