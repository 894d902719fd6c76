// A generation's ZIP: Generation.zipUrl is a signed link; the download holds every image, its exports
// and cutout and prompts.txt, byte for byte what Storage keeps; a tampered link is refused. The archive
// is streamed: a file is read from Storage only when the archive reaches it.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import yauzl from 'yauzl';
import { streamZip } from '../src/http/zip.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { productOnColour } from './helpers/images.js';

const GENERATE = `mutation($input: GenerateImagesInput!) { generateImages(input: $input) {
  __typename
  ... on GenerateImagesSuccess { generation { id status zipUrl images { url cutoutUrl exports { preset url bytes } } } }
} }`;

/** name → bytes of every entry of a ZIP */
function unzip(buffer: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const files = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) =>
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        }),
      );
      zip.on('end', () => resolve(files));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());
const get = (url: string) => t.app.yoga.fetch(url.replace(t.config.publicUrl, 'http://localhost'));

describe('the ZIP of a generation', () => {
  test('downloads with every image, export and cutout, and prompts.txt; a tampered link is refused', async () => {
    const token = await t.token('zip-seller');
    const res = await t.upload(
      GENERATE,
      { input: { productImages: [null, null], mode: 'PACKSHOT', exports: ['TOKOPEDIA', 'LAZADA'] } },
      [
        { path: 'input.productImages.0', bytes: await productOnColour() },
        { path: 'input.productImages.1', bytes: await productOnColour('#e76f51') },
      ],
      { token },
    );
    const g = res.body.data.generateImages.generation;
    expect(g.status).toBe('SUCCEEDED');
    const response = await get(g.zipUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toMatch(/attachment; filename="etalase-/);
    const files = await unzip(Buffer.from(await response.arrayBuffer()));
    expect([...files.keys()].sort()).toEqual([
      'cutouts/1.png', 'cutouts/2.png',
      'exports/lazada/1.jpg', 'exports/lazada/2.jpg', 'exports/tokopedia/1.jpg', 'exports/tokopedia/2.jpg',
      'images/1.jpg', 'images/2.jpg',
      'prompts.txt',
    ]);
    // Byte for byte what the signed links give.
    const image = Buffer.from(await (await get(g.images[0].url)).arrayBuffer());
    expect(files.get('images/1.jpg')!.equals(image)).toBe(true);
    expect(files.get('exports/lazada/2.jpg')!.length).toBe(g.images[1].exports.find((e: { preset: string }) => e.preset === 'LAZADA').bytes);
    expect(files.get('prompts.txt')!.toString()).toMatch(new RegExp(`Generation ${g.id} \\(PACKSHOT, 2 images\\)`));

    const tampered = new URL(g.zipUrl);
    tampered.searchParams.set('signature', 'A'.repeat(43));
    expect((await get(tampered.toString())).status).toBe(403);
    expect((await get(g.zipUrl.replace(/expires=\d+/, 'expires=1'))).status).toBe(403);
  });

  test('streamed: each file is read only when the archive reaches it', async () => {
    const reads: string[] = [];
    const big = new Uint8Array(4 * 1024 * 1024).fill(7);
    const entries = ['a', 'b', 'c', 'd'].map((name) => ({ name, read: async () => (reads.push(name), big) }));
    const reader = streamZip(entries).getReader();
    let received = 0;
    while (received < 1024 * 1024) received += (await reader.read()).value!.byteLength;
    // A megabyte in: the first file is being written; the last is not read yet.
    expect(reads).not.toContain('d');
    for (;;) if ((await reader.read()).done) break;
    expect(reads).toEqual(['a', 'b', 'c', 'd']);
  });
});
