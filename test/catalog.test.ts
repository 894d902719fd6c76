// A catalogue end to end on the embedded database: items (and a ZIP with catalog.csv) are checked,
// paid for in one reservation, run by the in-process worker; a failed item is refunded once; the
// catalogue finishes once; cancel refunds what had not run; the books stay balanced.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import yauzl from 'yauzl';
import { createLocalGenerator } from '../src/adapters/generate/local.js';
import { GenerationError, type GenerateRequest } from '../src/studio/ports.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectBooksBalancedAfterEach } from './helpers/books.js';
import { jpeg } from './helpers/images.js';
import { catalogZip } from './helpers/catalog-zip.js';

async function entryNames(zip: Uint8Array): Promise<string[]> {
  const file = await yauzl.fromBufferPromise(Buffer.from(zip), { lazyEntries: true });
  const names: string[] = [];
  for await (const entry of file.eachEntry()) names.push(entry.fileName);
  file.close();
  return names;
}

/** The local generator, failing any batch whose prompt asks it to. */
function failingOnDemand() {
  const local = createLocalGenerator();
  return {
    ...local,
    async generate(request: GenerateRequest) {
      if (request.prompt.includes('FAIL-THIS-ITEM')) throw new GenerationError('The image service failed (on demand).');
      return local.generate(request);
    },
  };
}

const START = `mutation($input: StartCatalogInput!) { startCatalog(input: $input) {
  __typename
  ... on StartCatalogSuccess { remainingCoins catalog { id status cost items { sku generation { id status } } progress { done failed total } } }
  ... on CatalogItemError { message row sku reason }
  ... on InvalidInputError { message field }
  ... on InsufficientCoinsError { required balance }
} }`;
const CATALOG = `query($id: ID!) { catalog(id: $id) { id status cost refunded finishedAt zipUrl progress { done failed total }
  items { sku generation { id status error images { url } } } } }`;
const CANCEL = `mutation($input: CancelCatalogInput!) { cancelCatalog(input: $input) { __typename ... on CancelCatalogSuccess { remainingCoins catalog { id } } } }`;
const ME = `{ me { coinsBalance catalogs(first: 5) { edges { node { id status progress { total } } } } } }`;

let t: TestApp;
expectBooksBalancedAfterEach(() => t?.app.services.ledger);

beforeAll(async () => {
  t = await startTestApp({ SIGNUP_COINS: '100' }, { generator: failingOnDemand() });
}, 60_000);
afterAll(() => t?.close());

async function finished(id: string, token: string) {
  for (let i = 0; i < 600; i++) {
    const r = await t.gql(CATALOG, { id }, { token });
    const c = r.body.data?.catalog;
    if (c?.finishedAt) return c;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('the catalogue did not finish');
}

describe('startCatalog with items', () => {
  test("defaults.exports: every item's images are exported, and the download holds them in each SKU's folder", async () => {
    const token = await t.token('cat-exports');
    const items = ['EXP-1', 'EXP-2'].map((sku) => ({ sku, productImages: [] }));
    const r = await t.gql(START, { input: { items, defaults: { count: 1, exports: ['TOKOPEDIA'] } } }, { token });
    expect(r.body.data.startCatalog.__typename).toBe('StartCatalogSuccess');
    const done = await finished(r.body.data.startCatalog.catalog.id, token);
    expect(done.status).toBe('SUCCEEDED');
    const names = await entryNames(new Uint8Array(await (await t.app.yoga.fetch(done.zipUrl)).arrayBuffer()));
    for (const sku of ['EXP-1', 'EXP-2']) expect(names).toEqual(expect.arrayContaining([`${sku}/images/1.jpg`, `${sku}/exports/tokopedia/1.jpg`, `${sku}/prompts.txt`]));
  }, 60_000);

  test('three text-to-image items: one reservation, all succeed, listed in me.catalogs', async () => {
    const token = await t.token('cat-items');
    const items = ['SKU-1', 'SKU-2', 'SKU-3'].map((sku) => ({ sku, productImages: [] }));
    const r = await t.gql(START, { input: { items, defaults: { count: 1 } } }, { token });
    expect(r.body.data.startCatalog.__typename).toBe('StartCatalogSuccess');
    const started = r.body.data.startCatalog;
    expect(started.catalog.cost).toBe(3);
    expect(started.remainingCoins).toBe(97);
    expect(started.catalog.items.map((i: { sku: string }) => i.sku)).toEqual(['SKU-1', 'SKU-2', 'SKU-3']);
    const done = await finished(started.catalog.id, token);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.progress).toEqual({ done: 3, failed: 0, total: 3 });
    expect(done.items.every((i: { generation: { images: unknown[] } }) => i.generation.images.length === 1)).toBe(true);
    const me = await t.gql(ME, {}, { token });
    expect(me.body.data.me.coinsBalance).toBe(97);
    expect(me.body.data.me.catalogs.edges[0].node).toMatchObject({ id: started.catalog.id, status: 'SUCCEEDED', progress: { total: 3 } });
  }, 60_000);

  test('items with photos run as REFERENCE; a bad photo names its item and costs nothing', async () => {
    const token = await t.token('cat-photos');
    const photo = await jpeg({ width: 640, height: 480 });
    const items = [{ sku: 'A', productImages: [null] }, { sku: 'B', productImages: [null] }];
    const bad = await t.upload(START, { input: { items } }, [
      { path: 'input.items.0.productImages.0', bytes: photo },
      { path: 'input.items.1.productImages.0', bytes: new TextEncoder().encode('not a photo at all'), name: 'x.jpg' },
    ], { token });
    expect(bad.body.data.startCatalog).toMatchObject({ __typename: 'CatalogItemError', row: 2, sku: 'B' });
    const me = await t.gql(ME, {}, { token });
    expect(me.body.data.me.coinsBalance).toBe(100);
    expect(me.body.data.me.catalogs.edges).toEqual([]);

    const good = await t.upload(START, { input: { items } }, [
      { path: 'input.items.0.productImages.0', bytes: photo },
      { path: 'input.items.1.productImages.0', bytes: photo },
    ], { token });
    expect(good.body.data.startCatalog.catalog.cost).toBe(4);
    const done = await finished(good.body.data.startCatalog.catalog.id, token);
    expect(done.status).toBe('SUCCEEDED');
  }, 60_000);

  test('a duplicate SKU and an empty list are refused before any coin moves', async () => {
    const token = await t.token('cat-dup');
    const dup = await t.gql(START, { input: { items: [{ sku: 'X', productImages: [] }, { sku: 'x', productImages: [] }] } }, { token });
    expect(dup.body.data.startCatalog).toMatchObject({ __typename: 'CatalogItemError', row: 2, sku: 'x' });
    const none = await t.gql(START, { input: { items: [] } }, { token });
    expect(none.body.data.startCatalog).toMatchObject({ __typename: 'InvalidInputError', field: 'items' });
    const tooMany = await t.gql(START, { input: { items: Array.from({ length: 51 }, (_, i) => ({ sku: `S${i}`, productImages: [] })) } }, { token });
    expect(tooMany.body.data.startCatalog).toMatchObject({ __typename: 'InvalidInputError', field: 'items' });
    expect((await t.gql(ME, {}, { token })).body.data.me.coinsBalance).toBe(100);
  });

  test('the same idempotencyKey answers with the same catalogue and charges once', async () => {
    const token = await t.token('cat-idem');
    const input = { items: [{ sku: 'K1', productImages: [] }], defaults: { count: 1 }, idempotencyKey: 'cat-key-1' };
    const a = await t.gql(START, { input }, { token });
    const b = await t.gql(START, { input }, { token });
    expect(b.body.data.startCatalog.catalog.id).toBe(a.body.data.startCatalog.catalog.id);
    expect(b.body.data.startCatalog.remainingCoins).toBe(99);
    await finished(a.body.data.startCatalog.catalog.id, token);
  }, 60_000);

  test('more items than coins: InsufficientCoinsError, nothing reserved', async () => {
    const token = await t.token('cat-poor');
    // REFERENCE without photos is refused per item, before the price is even asked: the item is named.
    const noPhotos = await t.gql(START, { input: { items: [{ sku: 'R1', productImages: [] }], defaults: { mode: 'REFERENCE' } } }, { token });
    expect(noPhotos.body.data.startCatalog).toMatchObject({ __typename: 'CatalogItemError', row: 1, sku: 'R1' });
    const fifty = (prefix: string) => Array.from({ length: 50 }, (_, i) => ({ sku: `${prefix}${i}`, productImages: [] }));
    const ids: string[] = [];
    for (const prefix of ['P', 'Q']) {
      const r = await t.gql(START, { input: { items: fifty(prefix), defaults: { count: 1 } } }, { token });
      expect(r.body.data.startCatalog.__typename).toBe('StartCatalogSuccess');
      ids.push(r.body.data.startCatalog.catalog.id);
    }
    const broke = await t.gql(START, { input: { items: [{ sku: 'S', productImages: [] }] } }, { token });
    expect(broke.body.data.startCatalog).toMatchObject({ __typename: 'InsufficientCoinsError', required: 1, balance: 0 });
    // Not a hundred batches to wait for: what has not run is cancelled (and refunded).
    for (const id of ids) await t.gql(CANCEL, { input: { id } }, { token });
    for (const id of ids) expect((await finished(id, token)).progress.total).toBe(50);
    expect((await t.gql(ME, {}, { token })).body.data.me.catalogs.edges).toHaveLength(2);
  }, 120_000);
});

describe('startCatalog with a ZIP', () => {
  test('ten items from a ZIP: charged once for all, the failed item refunded once, every SKU in the download', async () => {
    const token = await t.token('cat-zip');
    const photo = await jpeg({ width: 640, height: 480 });
    const rows = Array.from({ length: 10 }, (_, i) => ({ sku: `ZIP-${i + 1}`, folder: `p${i + 1}`, prompt: i === 6 ? 'FAIL-THIS-ITEM' : '', files: { 'front.jpg': photo } }));
    const zip = await catalogZip(rows, 'sku,folder,prompt,background\n' + rows.map((r) => `${r.sku},${r.folder},${r.prompt},STUDIO`).join('\n'));
    const r = await t.upload(START, { input: { zip: null, defaults: { count: 1 } } }, [{ path: 'input.zip', bytes: zip, name: 'catalog.zip', type: 'application/zip' }], { token });
    expect(r.body.data?.startCatalog.__typename, JSON.stringify(r.body)).toBe('StartCatalogSuccess');
    const started = r.body.data.startCatalog;
    expect(started.catalog.cost).toBe(20);
    expect(started.remainingCoins).toBe(80);
    const done = await finished(started.catalog.id, token);
    expect(done.status).toBe('PARTIAL');
    expect(done.progress).toEqual({ done: 9, failed: 1, total: 10 });
    expect(done.refunded).toBe(2);
    const failed = done.items.find((i: { sku: string }) => i.sku === 'ZIP-7');
    expect(failed.generation.status).toBe('FAILED');
    const me = await t.gql(ME, {}, { token });
    expect(me.body.data.me.coinsBalance).toBe(82);
    // Refunded exactly once: the ledger has one refund for that item and one debit per item.
    const userId = (await t.gql('{ me { id } }', {}, { token })).body.data.me.id;
    const history = await t.app.services.ledger.coinHistory(userId, 100);
    expect(history.filter((e) => e.node.kind === 'debit')).toHaveLength(10);
    expect(history.filter((e) => e.node.kind === 'refund').map((e) => e.node.generationId)).toEqual([failed.generation.id]);

    // One ZIP, streamed from a signed link: a folder per SKU with its image and prompt; the failed one says so.
    const response = await t.app.yoga.fetch(done.zipUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    const names = await entryNames(new Uint8Array(await response.arrayBuffer()));
    for (const row of rows) {
      if (row.sku === 'ZIP-7') expect(names).toContain('ZIP-7/FAILED.txt');
      else expect(names).toEqual(expect.arrayContaining([`${row.sku}/images/1.jpg`, `${row.sku}/prompts.txt`]));
    }
    expect(names).toContain('catalog-results.csv');
    // Unsigned or tampered: refused.
    const tampered = new URL(done.zipUrl);
    tampered.searchParams.set('expires', String(Number(tampered.searchParams.get('expires')) + 60));
    expect((await t.app.yoga.fetch(tampered.toString())).status).toBe(403);
  }, 120_000);
});

describe('cancelCatalog', () => {
  test('cancels what has not run and refunds it; a second cancel is refused', async () => {
    const token = await t.token('cat-cancel');
    // No worker takes these: the in-process worker is busy with nothing, so stop taking new jobs by
    // canceling at once; whatever already ran stays and is paid.
    const items = Array.from({ length: 8 }, (_, i) => ({ sku: `C${i}`, productImages: [] }));
    const r = await t.gql(START, { input: { items, defaults: { count: 1 } } }, { token });
    const id = r.body.data.startCatalog.catalog.id;
    const c = await t.gql(
      CANCEL,
      { input: { id } },
      { token },
    );
    expect(c.body.data.cancelCatalog.__typename).toBe('CancelCatalogSuccess');
    const done = await finished(id, token);
    expect(done.progress.done + done.progress.failed).toBe(8);
    expect(['CANCELED', 'PARTIAL', 'SUCCEEDED']).toContain(done.status);
    const me = await t.gql(ME, {}, { token });
    expect(me.body.data.me.coinsBalance).toBe(100 - done.progress.done);
    expect(done.refunded).toBe(done.progress.failed);
  }, 60_000);
});
