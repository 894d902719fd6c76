// A catalogue's end is told once: one catalog.finished webhook (signed, Standard Webhooks) with the
// counts and a download link, however many items settle; and its progress is an event stream on the
// catalogue's id: ITEM_FINISHED for each item (done/total), then FINISHED.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectBooksBalancedAfterEach } from './helpers/books.js';
import { subscribe } from './helpers/sse.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const START = `mutation($input: StartCatalogInput!) { startCatalog(input: $input) { __typename ... on Error { message } ... on StartCatalogSuccess { catalog { id } } } }`;
const EVENTS = `subscription($id: ID) { generationEvents(id: $id) { generationId stage done total status } }`;

let t: TestApp;
let receiver: http.Server;
let url: string;
const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
expectBooksBalancedAfterEach(() => t?.app.services.ledger);

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => (received.push({ headers: req.headers, body }), res.writeHead(200).end()));
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/catalog`;
  t = await startTestApp({ WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOW_LOOPBACK: 'true', WORKER_CONCURRENCY: '0' });
}, 60_000);
afterAll(async () => {
  await t?.close();
  receiver?.close();
});

test('ITEM_FINISHED per item then FINISHED on the catalogue; one signed catalog.finished webhook', async () => {
  const token = await t.token('catalog-hooks');
  const items = ['H1', 'H2', 'H3', 'H4'].map((sku) => ({ sku, productImages: [] }));
  const started = await t.gql(START, { input: { items, defaults: { count: 1 }, webhookUrl: url } }, { token });
  const id = started.body.data.startCatalog.catalog.id;
  // Subscribed while nothing runs (no workers yet): the first event is where it stands.
  const stream = subscribe((input, init) => Promise.resolve(t.app.yoga.fetch(`http://localhost${input}`, init)), '/graphql', EVENTS, { id }, token);
  await stream.opened;
  await t.app.startWorkers(2);
  const events = (await stream.events).map((e: { data: { generationEvents: Record<string, unknown> } }) => e.data.generationEvents);
  expect(events[0]).toMatchObject({ generationId: id, stage: 'ITEM_FINISHED', done: 0, total: 4 });
  const counts = events.filter((e) => e.stage === 'ITEM_FINISHED').map((e) => e.done);
  expect(counts).toEqual([...counts].sort());
  expect(counts.at(-1)).toBe(4);
  expect(events.at(-1)).toMatchObject({ stage: 'FINISHED', status: 'SUCCEEDED' });

  for (let i = 0; i < 100 && !received.some((r) => r.body.includes('catalog.finished')); i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1500)); // a second call would have come by now
  const calls = received.filter((r) => JSON.parse(r.body).type === 'catalog.finished');
  expect(calls).toHaveLength(1);
  const payload = new Webhook(SECRET).verify(calls[0]!.body, calls[0]!.headers as Record<string, string>) as { data: Record<string, any> };
  expect(calls[0]!.headers['webhook-id']).toBe(`msg_${id}`);
  expect(payload.data).toMatchObject({ id, status: 'SUCCEEDED', cost: 4, refunded: 0, progress: { done: 4, failed: 0, total: 4 } });
  expect(payload.data.items.map((i: { sku: string }) => i.sku)).toEqual(['H1', 'H2', 'H3', 'H4']);
  expect(payload.data.zipUrl).toMatch(/\/catalogs\/.+\.zip\?expires=\d+&signature=/);
  expect((await t.app.yoga.fetch(payload.data.zipUrl)).status).toBe(200);
}, 60_000);
