// A new seller's very first request on PostgreSQL: Viewer fields resolve concurrently on separate pool
// connections, so the profile (and its signup credit) must exist before any of them reads.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { describeWithPostgres, freshDatabase, type TestDatabase } from './helpers/postgres.js';

describeWithPostgres('the first me on PostgreSQL', () => {
  let db: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    db = await freshDatabase('viewer');
    t = await startTestApp({ DATABASE_URL: db.url, DATABASE_POOL_MAX: '8' });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  test('balance and history agree on a new seller’s first request, every time', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const token = await t.token(`newcomer-${randomUUID()}`);
        return (await t.gql('{ me { coinsBalance coinHistory { edges { node { kind delta balanceAfter } } } } }', {}, { token })).body.data.me;
      }),
    );
    for (const me of answers) {
      expect(me).toEqual({ coinsBalance: 10, coinHistory: { edges: [{ node: { kind: 'SIGNUP', delta: 10, balanceAfter: 10 } }] } });
    }
  });
});
