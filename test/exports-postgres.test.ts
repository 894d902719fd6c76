// Exports on PostgreSQL: the same SQL as PGlite, with real concurrency. PACKSHOT with exports settles;
// ten exportImage calls at once for the same image and preset make one job and one debit.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SqlLedger } from '../src/adapters/ledger/sql-ledger.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectBooksBalancedAfterEach } from './helpers/books.js';
import { productOnColour } from './helpers/images.js';
import { describeWithPostgres, freshDatabase, type TestDatabase } from './helpers/postgres.js';

const GENERATE = `mutation($input: GenerateImagesInput!) { generateImages(input: $input) {
  ... on GenerateImagesSuccess { generation { id status images { id exports { preset compliance { passed } } } } } } }`;
const EXPORT = `mutation($input: ExportImageInput!) { exportImage(input: $input) { __typename ... on ExportImageSuccess { job { id status cost } } } }`;

describeWithPostgres('exports on PostgreSQL', () => {
  let db: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    db = await freshDatabase('exports');
    t = await startTestApp({ DATABASE_URL: db.url, DATABASE_POOL_MAX: '8', PRICE_EXPORT: '1' });
  });
  expectBooksBalancedAfterEach(() => t?.app.services.ledger);
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  test('a packshot with exports, then ten concurrent exportImage calls: one job, one debit', async () => {
    const token = await t.token('pg-exporter');
    const res = await t.upload(GENERATE, { input: { productImages: [null], mode: 'PACKSHOT', exports: ['SHOPEE'] } }, [{ path: 'input.productImages.0', bytes: await productOnColour() }], { token });
    const g = res.body.data.generateImages.generation;
    expect(g.status).toBe('SUCCEEDED');
    expect(g.images[0].exports[0].compliance.every((c: { passed: boolean }) => c.passed)).toBe(true);

    const answers = await Promise.all(Array.from({ length: 10 }, () => t.gql(EXPORT, { input: { imageId: g.images[0].id, preset: 'LAZADA' } }, { token })));
    const ids = new Set(answers.map((a) => a.body.data.exportImage.job.id));
    expect(ids.size).toBe(1);
    expect(answers.every((a) => a.body.data.exportImage.job.status === 'SUCCEEDED')).toBe(true);
    const { rows } = await (t.app.services.ledger as SqlLedger).db.query<{ kind: string }>('select kind from public.coin_ledger where export_id = $1', [[...ids][0]]);
    expect(rows.map((r) => r.kind)).toEqual(['debit']);
    const after = await t.gql(`query($id: ID!) { generation(id: $id) { images { exports { preset } } } }`, { id: g.id }, { token });
    expect(after.body.data.generation.images[0].exports.map((e: { preset: string }) => e.preset)).toEqual(['SHOPEE', 'LAZADA']);
  });
});
