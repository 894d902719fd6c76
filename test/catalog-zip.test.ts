// Hostile and malformed catalogue ZIPs are refused with a typed error naming the row or the entry,
// before any coin moves: a missing folder, a duplicate SKU, a file that is not a photo, a ZIP bomb by
// ratio and by entry count, path traversal, more than 50 items, no manifest, unknown columns.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectBooksBalancedAfterEach } from './helpers/books.js';
import { catalogZip, zipOf } from './helpers/catalog-zip.js';
import { jpeg } from './helpers/images.js';

const START = `mutation($input: StartCatalogInput!) { startCatalog(input: $input) {
  __typename
  ... on StartCatalogSuccess { catalog { id } }
  ... on CatalogItemError { message row sku reason }
  ... on InvalidInputError { message field }
} }`;

let t: TestApp;
let token: string;
let photo: Uint8Array;
expectBooksBalancedAfterEach(() => t?.app.services.ledger);

beforeAll(async () => {
  t = await startTestApp({ SIGNUP_COINS: '100' });
  token = await t.token('zip-seller');
  photo = await jpeg({ width: 640, height: 480 });
}, 60_000);
afterAll(() => t?.close());

async function send(zip: Uint8Array) {
  const r = await t.upload(START, { input: { zip: null } }, [{ path: 'input.zip', bytes: zip, name: 'c.zip', type: 'application/zip' }], { token });
  const balance = (await t.gql('{ me { coinsBalance catalogs(first: 1) { edges { node { id } } } } }', {}, { token })).body.data.me;
  // Refused before any coin moved, and no catalogue exists.
  expect(balance).toEqual({ coinsBalance: 100, catalogs: { edges: [] } });
  return r.body.data?.startCatalog ?? r.body;
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ sku: `S${i + 1}`, folder: `f${i + 1}`, files: { 'a.jpg': photo } as Record<string, Uint8Array> }));
const manifest = (r: Array<{ sku: string; folder: string }>) => 'sku,folder\n' + r.map((x) => `${x.sku},${x.folder}`).join('\n');

describe('refused ZIPs', () => {
  test('a row naming a missing folder names the row and SKU', async () => {
    const r = rows(3);
    const out = await send(await catalogZip(r, manifest([...r, { sku: 'GHOST', folder: 'nowhere' }])));
    expect(out).toMatchObject({ __typename: 'CatalogItemError', row: 5, sku: 'GHOST' });
    expect(out.reason).toMatch(/nowhere.*not in the ZIP/);
  });

  test('a duplicate SKU names the second row', async () => {
    const r = rows(3);
    const out = await send(await catalogZip(r, manifest([r[0]!, r[1]!, { sku: 'S1', folder: 'f3' }])));
    expect(out).toMatchObject({ __typename: 'CatalogItemError', row: 4, sku: 'S1' });
  });

  test('a file that is not a photo names its row; one that only looks like a photo too', async () => {
    const r = rows(2);
    r[1]!.files['notes.txt'] = new TextEncoder().encode('hello');
    const out = await send(await catalogZip(r, manifest(r)));
    expect(out).toMatchObject({ __typename: 'CatalogItemError', row: 3, sku: 'S2' });
    expect(out.reason).toMatch(/notes\.txt is not a photo/);

    const fake = rows(2);
    fake[0]!.files['b.jpg'] = new TextEncoder().encode('<html>not a jpeg</html>');
    const disguised = await send(await catalogZip(fake, manifest(fake)));
    expect(disguised).toMatchObject({ __typename: 'CatalogItemError', row: 2, sku: 'S1' });
  });

  test('a ZIP bomb by ratio is refused from the directory, before inflating', async () => {
    const r = rows(1);
    const zip = await zipOf([
      { name: 'catalog.csv', bytes: new TextEncoder().encode(manifest(r)) },
      { name: 'f1/a.jpg', bytes: new Uint8Array(8 * 1024 * 1024) },
    ]);
    expect(zip.byteLength).toBeLessThan(100_000);
    const out = await send(zip);
    expect(out).toMatchObject({ __typename: 'InvalidInputError', field: 'zip' });
    expect(out.message).toMatch(/f1\/a\.jpg.*compressed \d+:1/);
  });

  test('a ZIP bomb by entry count is refused', async () => {
    const entries = Array.from({ length: 2000 }, (_, i) => ({ name: `f/${i}.jpg`, bytes: new Uint8Array(1) }));
    const out = await send(await zipOf([{ name: 'catalog.csv', bytes: new TextEncoder().encode('sku,folder\nA,f') }, ...entries]));
    expect(out).toMatchObject({ __typename: 'InvalidInputError', field: 'zip' });
    expect(out.message).toMatch(/2001 entries/);
  });

  test('path traversal in an entry name is refused, naming the entry', async () => {
    const r = rows(1);
    const zip = await zipOf(
      [
        { name: 'catalog.csv', bytes: new TextEncoder().encode(manifest(r)) },
        { name: 'f1/a.jpg', bytes: photo, compress: false },
        { name: 'xx/evil.jpg', bytes: photo, compress: false },
      ],
      { rename: ['xx/evil.jpg', '../evil.jpg'] },
    );
    const out = await send(zip);
    expect(out).toMatchObject({ __typename: 'InvalidInputError', field: 'zip' });
    expect(out.message).toMatch(/\.\.\/evil\.jpg.*climbs out/);
  });

  test('more than 50 rows names the 51st', async () => {
    const r = rows(51);
    const out = await send(await catalogZip(r, manifest(r)));
    expect(out).toMatchObject({ __typename: 'CatalogItemError', row: 52, sku: 'S51' });
  });

  test('no manifest, an unknown column, or not a ZIP at all', async () => {
    expect(await send(await zipOf([{ name: 'f1/a.jpg', bytes: photo }]))).toMatchObject({ __typename: 'InvalidInputError', message: expect.stringMatching(/no catalog\.csv/) });
    const r = rows(1);
    expect(await send(await catalogZip(r, 'sku,folder,colour\nS1,f1,red'))).toMatchObject({ __typename: 'InvalidInputError', message: expect.stringMatching(/unknown columns: colour/) });
    expect(await send(new TextEncoder().encode('PK not really a zip'))).toMatchObject({ __typename: 'InvalidInputError', field: 'zip' });
  });
});

describe('accepted ZIPs', () => {
  test('folders with face and background photos, options per row, junk files skipped', async () => {
    const seller = await t.token('zip-good');
    const zip = await zipOf([
      { name: 'catalog.csv', bytes: new TextEncoder().encode('\ufeffsku,folder,contentType,background,prompt\nBAG-1,./bags/one/,MODEL,STUDIO,on a table\nBAG-2,bags/two,PRODUCT_ONLY,,') },
      { name: 'bags/one/1.jpg', bytes: photo, compress: false },
      { name: 'bags/one/face.jpg', bytes: photo, compress: false },
      { name: 'bags/one/.DS_Store', bytes: new Uint8Array(10) },
      { name: '__MACOSX/bags/one/._1.jpg', bytes: new Uint8Array(10) },
      { name: 'bags/two/x.png', bytes: photo, compress: false },
      { name: 'bags/two/background.jpg', bytes: photo, compress: false },
    ]);
    const r = await t.upload(START, { input: { zip: null, defaults: { count: 1 } } }, [{ path: 'input.zip', bytes: zip, name: 'c.zip', type: 'application/zip' }], { token: seller });
    expect(r.body.data.startCatalog.__typename, JSON.stringify(r.body)).toBe('StartCatalogSuccess');
    const id = r.body.data.startCatalog.catalog.id;
    for (let i = 0; i < 300; i++) {
      const c = (await t.gql(`query($id: ID!) { catalog(id: $id) { finishedAt status } }`, { id }, { token: seller })).body.data.catalog;
      if (c.finishedAt) return expect(c.status).toBe('SUCCEEDED');
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error('the catalogue did not finish');
  }, 60_000);
});

describe('a ZIP larger than one photo may be', () => {
  let small: TestApp;
  beforeAll(async () => {
    // Photos up to 200 KB, a catalogue ZIP up to 2 MB.
    small = await startTestApp({ SIGNUP_COINS: '100', MAX_FILE_BYTES: '200000', CATALOG_ZIP_MAX_BYTES: '2000000', WORKER_CONCURRENCY: '0' });
  }, 60_000);
  afterAll(() => small?.close());

  test('a ZIP over MAX_FILE_BYTES is taken up to CATALOG_ZIP_MAX_BYTES; any other file over MAX_FILE_BYTES is still 413', async () => {
    const seller = await small.token('big-zip');
    const { default: sharp } = await import('sharp');
    const noisy = async (seed: number) =>
      new Uint8Array(await sharp({ create: { width: 640, height: 480, channels: 3, background: '#888888', noise: { type: 'gaussian', mean: 128 + seed, sigma: 20 } } }).jpeg({ quality: 70 }).toBuffer());
    const r = await Promise.all(Array.from({ length: 8 }, async (_, i) => ({ sku: `B${i}`, folder: `b${i}`, files: { '1.jpg': await noisy(i) } })));
    const zip = await catalogZip(r, manifest(r));
    expect(zip.byteLength).toBeGreaterThan(200_000);
    const ok = await small.upload(START, { input: { zip: null } }, [{ path: 'input.zip', bytes: zip, name: 'c.zip', type: 'application/zip' }], { token: seller });
    expect(ok.body.data.startCatalog.__typename, JSON.stringify(ok.body)).toBe('StartCatalogSuccess');

    const photoTooBig = await small.upload(START, { input: { items: [{ sku: 'X', productImages: [null] }] } }, [{ path: 'input.items.0.productImages.0', bytes: new Uint8Array(300_000) }], { token: seller });
    expect(photoTooBig.status).toBe(413);
    const zipTooBig = await small.upload(START, { input: { zip: null } }, [{ path: 'input.zip', bytes: new Uint8Array(2_100_000), name: 'c.zip', type: 'application/zip' }], { token: seller });
    expect(zipTooBig.status).toBe(413);
    await small.app.services.catalogs.cancel((await small.gql('{ me { id } }', {}, { token: seller })).body.data.me.id, ok.body.data.startCatalog.catalog.id);
    expect(await small.app.services.ledger.problems()).toEqual([]);
  }, 60_000);
});
