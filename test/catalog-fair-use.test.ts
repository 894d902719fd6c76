// Fair use with catalogues: a catalogue is one request, so its items neither count against nor are
// refused by MAX_ACTIVE_GENERATIONS (a 5-item catalogue starts with the limit at 1, and a single batch
// still starts beside it); instead a seller may have that many catalogues unfinished.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectBooksBalancedAfterEach } from './helpers/books.js';

const START = `mutation($input: StartCatalogInput!) { startCatalog(input: $input) { __typename ... on RateLimitedError { retryAfterSeconds } ... on StartCatalogSuccess { catalog { id } remainingCoins } } }`;
const ONE = `mutation($input: GenerateImagesInput!) { startGeneration(input: $input) { __typename } }`;

let t: TestApp;
expectBooksBalancedAfterEach(() => t?.app.services.ledger);
beforeAll(async () => {
  // No workers: everything started stays QUEUED, in progress.
  t = await startTestApp({ RATE_LIMITS: 'on', MAX_ACTIVE_GENERATIONS: '1', GENERATIONS_PER_MINUTE: '2', WORKER_CONCURRENCY: '0', SIGNUP_COINS: '50' });
}, 60_000);
afterAll(() => t?.close());

test('catalogue items are exempt from the batch limits; a second unfinished catalogue is rate limited', async () => {
  const token = await t.token('fair-catalogue');
  const items = (p: string) => Array.from({ length: 5 }, (_, i) => ({ sku: `${p}${i}`, productImages: [] }));
  const first = await t.gql(START, { input: { items: items('A'), defaults: { count: 1 } } }, { token });
  expect(first.body.data.startCatalog).toMatchObject({ __typename: 'StartCatalogSuccess', remainingCoins: 45 });
  // One batch of its own still starts: the catalogue's five QUEUED items do not count.
  expect((await t.gql(ONE, { input: { count: 1 } }, { token })).body.data.startGeneration.__typename).toBe('StartGenerationSuccess');
  const second = await t.gql(START, { input: { items: items('B'), defaults: { count: 1 } } }, { token });
  expect(second.body.data.startCatalog).toMatchObject({ __typename: 'RateLimitedError' });
  expect((await t.gql('{ me { coinsBalance } }', {}, { token })).body.data.me.coinsBalance).toBe(44);
});
