// Buying coins in the offline default: the sandbox gateway the app serves (a page per order, Pay and
// Decline) sends Midtrans-format notifications, signed with its DATA_DIR key, through the same
// endpoint as Midtrans'. Replayed, reordered, forged and flooding notifications are refused or change
// nothing; a chargeback takes the coins back without a negative balance.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectBooksBalancedAfterEach } from './helpers/books.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { CREATE_TOP_UP, postNotification, sandboxKey, signedNotification } from './helpers/payments.js';

const ME = `query($after: String) { me { coinsBalance topUps(first: 2, after: $after) {
  edges { node { id status coins price currency redirectUrl createdAt paidAt } } pageInfo { hasNextPage endCursor } } } }`;

let t: TestApp;
let key: string;

const get = async (url: string, init: RequestInit = {}): Promise<Response> => t.app.yoga.fetch(url.replace(/^https?:\/\/[^/]+/, 'http://localhost'), init);
async function press(redirectUrl: string, action: string, csrf = true) {
  const response = await get(`${redirectUrl}/${action}`, { method: 'POST', headers: csrf ? { 'x-graphql-yoga-csrf': '1' } : {} });
  return { status: response.status, body: await response.json() };
}

async function seller(name: string, app = t) {
  const token = await app.token(name);
  return {
    token,
    balance: async () => (await app.gql('{ me { coinsBalance } }', {}, { token })).body.data.me.coinsBalance as number,
    order: async (pkg = 'populer') => (await app.gql(CREATE_TOP_UP, { input: { package: pkg } }, { token })).body.data.createTopUp,
  };
}

beforeAll(async () => {
  t = await startTestApp();
  key = await sandboxKey(t.dataDir);
});
afterAll(() => t?.close());
expectBooksBalancedAfterEach(() => t?.app.services.ledger);

describe('the sandbox gateway (no keys, no network)', () => {
  test('the packages are public; buying one needs a token', async () => {
    const { body } = await t.gql('{ topUpPackages { name coins price currency } }');
    expect(body.data.topUpPackages).toEqual([
      { name: 'hemat', coins: 25, price: 25000, currency: 'IDR' },
      { name: 'populer', coins: 60, price: 55000, currency: 'IDR' },
      { name: 'grosir', coins: 150, price: 125000, currency: 'IDR' },
    ]);
    const anonymous = await t.gql(CREATE_TOP_UP, { input: { package: 'hemat' } });
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('buy a package: the sandbox page, Pay (with the CSRF header), the balance rises once', async () => {
    const s = await seller('sandbox-buyer');
    const created = await s.order('populer');
    expect(created.__typename).toBe('CreateTopUpSuccess');
    const { topUp, paymentToken } = created;
    expect(topUp).toMatchObject({ status: 'PENDING', coins: 60, price: 55000, currency: 'IDR', paidAt: null });
    expect(topUp.redirectUrl).toBe(`http://localhost:4000/payments/sandbox/${topUp.id}`);
    expect(paymentToken).toMatch(/^sandbox-/);

    const page = await get(topUp.redirectUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('Rp 55.000');
    expect(html).toMatch(/data-action="pay"[\s\S]*data-action="decline"/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const script = await get('http://localhost/payments/sandbox/sandbox.js');
    expect(await script.text()).toContain("'x-graphql-yoga-csrf': '1'");

    // Without the CSRF header a cross-site form could press the button: refused, nothing changes.
    expect(await press(topUp.redirectUrl, 'pay', false)).toMatchObject({ status: 403 });
    expect(await s.balance()).toBe(10);
    expect(await press(topUp.redirectUrl, 'pay')).toEqual({ status: 200, body: { status: 'PAID' } });
    expect(await s.balance()).toBe(70);
    // Pressed again, declined afterwards: nothing changes.
    expect(await press(topUp.redirectUrl, 'pay')).toEqual({ status: 200, body: { status: 'PAID' } });
    expect(await press(topUp.redirectUrl, 'decline')).toEqual({ status: 200, body: { status: 'PAID' } });
    expect(await s.balance()).toBe(70);
    const me = (await t.gql(ME, {}, { token: s.token })).body.data.me;
    expect(me.topUps.edges[0].node).toMatchObject({ id: topUp.id, status: 'PAID' });
    expect(me.topUps.edges[0].node.paidAt).toEqual(expect.any(String));
    const history = (await t.gql('{ me { coinHistory(first: 1) { edges { node { kind delta topUpId } } } } }', {}, { token: s.token })).body.data.me.coinHistory;
    expect(history.edges[0].node).toEqual({ kind: 'TOPUP', delta: 60, topUpId: topUp.id });
  });

  test('30 replays of the paid notification, at once and in any order with a late pending: one credit', async () => {
    const s = await seller('sandbox-replayer');
    const { topUp } = await s.order('hemat');
    const paid = signedNotification(key, { orderId: topUp.id, transactionStatus: 'settlement', amount: 25000 });
    const pending = signedNotification(key, { orderId: topUp.id, transactionStatus: 'pending', amount: 25000 });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => postNotification(t, i % 3 ? paid : pending)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(await s.balance()).toBe(35);
    expect((await postNotification(t, pending)).body).toEqual({ status: 'PAID' });
    expect(await s.balance()).toBe(35);
  });

  test('declined, then paid after all (the money arrived): credited once; an order pays nothing until then', async () => {
    const s = await seller('sandbox-decliner');
    const { topUp } = await s.order('hemat');
    expect(await press(topUp.redirectUrl, 'decline')).toEqual({ status: 200, body: { status: 'FAILED' } });
    expect(await s.balance()).toBe(10);
    expect(await press(topUp.redirectUrl, 'pay')).toEqual({ status: 200, body: { status: 'PAID' } });
    expect(await s.balance()).toBe(35);
  });

  test('a chargeback takes the coins back; spent coins are not taken below zero', async () => {
    const s = await seller('sandbox-chargeback');
    const { topUp } = await s.order('hemat');
    await press(topUp.redirectUrl, 'pay');
    expect(await s.balance()).toBe(35);
    // 30 coins are spent before the chargeback (a grant's opposite does not exist: reserve batches).
    const userId = (await t.gql('{ me { id } }', {}, { token: s.token })).body.data.me.id;
    const ledger = t.app.services.ledger as unknown as { reserve(r: unknown): Promise<{ kind: string }> };
    const { reserveRequest } = await import('./helpers/books.js');
    const spent = reserveRequest(userId, { cost: 30 });
    expect((await ledger.reserve(spent)).kind).toBe('reserved');
    await t.app.services.ledger.complete(spent.generationId, { images: [], warnings: [] });
    expect(await s.balance()).toBe(5);
    expect(await press(topUp.redirectUrl, 'chargeback')).toEqual({ status: 200, body: { status: 'REFUNDED' } });
    expect(await s.balance()).toBe(0);
    expect(await press(topUp.redirectUrl, 'refund')).toEqual({ status: 200, body: { status: 'REFUNDED' } });
    expect(await press(topUp.redirectUrl, 'pay')).toEqual({ status: 200, body: { status: 'REFUNDED' } });
    expect(await s.balance()).toBe(0);
  });

  test('forged (wrong key), unknown order, wrong amount or currency, not JSON, too big: refused, nothing changes', async () => {
    const s = await seller('sandbox-forger');
    const { topUp } = await s.order('populer');
    const forged = signedNotification('not-the-sandbox-key', { orderId: topUp.id, transactionStatus: 'settlement', amount: 55000 });
    expect(await postNotification(t, forged)).toMatchObject({ status: 401, body: { error: expect.stringContaining('signature') } });
    // Midtrans' signature covers the amount and status_code, not transaction_status: a signed deny
    // (status_code 202) relabelled settlement is refused all the same.
    const relabelled = { ...signedNotification(key, { orderId: topUp.id, transactionStatus: 'deny', amount: 55000 }), transaction_status: 'settlement' };
    expect(await postNotification(t, relabelled)).toMatchObject({ status: 400, body: { error: 'transaction_status settlement with status_code 202' } });
    expect((await postNotification(t, { ...relabelled, gross_amount: '1.00' })).status).toBe(401);
    const unknown = signedNotification(key, { orderId: '00000000-0000-4000-8000-00000000abcd', transactionStatus: 'settlement', amount: 55000 });
    expect(await postNotification(t, unknown)).toMatchObject({ status: 404 });
    const notOurs = signedNotification(key, { orderId: 'ORDER-FROM-ANOTHER-SHOP', transactionStatus: 'settlement', amount: 55000 });
    expect(await postNotification(t, notOurs)).toMatchObject({ status: 404 });
    expect(await postNotification(t, signedNotification(key, { orderId: topUp.id, transactionStatus: 'settlement', amount: 5500 }))).toMatchObject({ status: 400 });
    expect(await postNotification(t, signedNotification(key, { orderId: topUp.id, transactionStatus: 'settlement', amount: 55000, currency: 'USD' }))).toMatchObject({ status: 400 });
    expect(await postNotification(t, '{"order_id":')).toMatchObject({ status: 400 });
    expect(await postNotification(t, [1, 2])).toMatchObject({ status: 400 });
    expect(await postNotification(t, { padding: 'x'.repeat(70_000) })).toMatchObject({ status: 413 });
    const getIt = await get('http://localhost/payments/midtrans/notification');
    expect(getIt.status).toBe(405);
    expect(await s.balance()).toBe(10);
    expect((await t.gql(ME, {}, { token: s.token })).body.data.me.topUps.edges[0].node.status).toBe('PENDING');
  });

  test('sandbox pages of unknown orders and actions are 404', async () => {
    expect((await get('http://localhost/payments/sandbox/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await get('http://localhost/payments/sandbox/not-an-id')).status).toBe(404);
    const s = await seller('sandbox-prober');
    const { topUp } = await s.order('hemat');
    expect((await press(topUp.redirectUrl, 'steal')).status).toBe(404);
    expect((await get(`${topUp.redirectUrl}/pay`)).status).toBe(405);
  });

  test('me.topUps is a Relay connection, newest first', async () => {
    const s = await seller('sandbox-pager');
    const ids: string[] = [];
    for (const pkg of ['hemat', 'populer', 'grosir']) ids.unshift((await s.order(pkg)).topUp.id);
    const first = (await t.gql(ME, {}, { token: s.token })).body.data.me.topUps;
    expect(first.edges.map((e: any) => e.node.id)).toEqual(ids.slice(0, 2));
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await t.gql(ME, { after: first.pageInfo.endCursor }, { token: s.token })).body.data.me.topUps;
    expect(second.edges.map((e: any) => e.node.id)).toEqual(ids.slice(2));
    expect(second.pageInfo.hasNextPage).toBe(false);
  });
});

describe('with fair-use limits on', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ RATE_LIMITS: 'on', PAYMENT_NOTIFICATIONS_PER_MINUTE: '5' });
  });
  afterAll(() => limited?.close());

  test('a flood of notifications from one address is 429 with Retry-After', async () => {
    const flood = await Promise.all(Array.from({ length: 8 }, () => postNotification(limited, { order_id: 'x' })));
    expect(flood.filter((r) => r.status === 400)).toHaveLength(5);
    const refused = flood.filter((r) => r.status === 429);
    expect(refused).toHaveLength(3);
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  test('at most 10 unpaid orders an hour per seller', async () => {
    const s = await seller('limited-orderer', limited);
    for (let i = 0; i < 10; i++) expect((await s.order('hemat')).__typename).toBe('CreateTopUpSuccess');
    expect(await s.order('hemat')).toMatchObject({ __typename: 'RateLimitedError', retryAfterSeconds: 60 });
  });
});
