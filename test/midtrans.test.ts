// Top-ups through Midtrans: the real midtrans-client (Snap, the status API) against a wire-level
// fake (test/fakes/midtrans.ts) that MIDTRANS_BASE_URL points at, and Midtrans-signed notifications
// posted to the app's endpoint as Midtrans would: duplicated, late, out of order, forged, lost.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createLogger } from '../src/observability/logger.js';
import { configSecrets, createScrubber } from '../src/observability/redact.js';
import { parseConfig } from '../src/config.js';
import { startMidtransFake, type MidtransFake } from './fakes/midtrans.js';
import { startTestApp, type TestApp } from './helpers/app.js';

const CREATE = `mutation($input: CreateTopUpInput!) { createTopUp(input: $input) {
  __typename ... on Error { message }
  ... on CreateTopUpSuccess { paymentToken topUp { id status coins price currency redirectUrl paidAt } } } }`;
const ME = `{ me { coinsBalance topUps(first: 20) { edges { node { id status coins paidAt } } } } }`;

let fake: MidtransFake;
/** notifications only (reconciliation would race them); `r` below reconciles every second */
let t: TestApp;
let r: TestApp;
/** r's clock runs this far ahead (an order's expiry passing) */
let offsetMs = 0;
const lines: Array<Record<string, any>> = [];
const raw: string[] = [];

async function notify(body: unknown, app = t) {
  const response = await app.app.yoga.fetch('http://localhost/payments/midtrans/notification', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { status?: string; error?: string } };
}

async function seller(name: string, app = t) {
  const token = await app.token(name);
  const balance = async () => (await app.gql('{ me { coinsBalance } }', {}, { token })).body.data.me.coinsBalance as number;
  const order = async (pkg = 'populer') => (await app.gql(CREATE, { input: { package: pkg } }, { token })).body.data.createTopUp;
  const topUps = async () => (await app.gql(ME, {}, { token })).body.data.me.topUps.edges.map((e: any) => e.node);
  return { token, balance, order, topUps };
}

beforeAll(async () => {
  fake = await startMidtransFake();
  const env = {
    MIDTRANS_SERVER_KEY: fake.serverKey,
    MIDTRANS_CLIENT_KEY: 'SB-Mid-client-test',
    MIDTRANS_BASE_URL: fake.url,
    TOPUP_PACKAGES: 'hemat:25:25000,populer:60:55000',
    // A batch costs 20 coins here: a seller can spend most of a package before a chargeback.
    PRICE_TEXT_TO_IMAGE: '20',
  };
  const destination = { write: (line: string) => void (raw.push(line), lines.push(JSON.parse(line))) };
  const scrubber = createScrubber(configSecrets(parseConfig({ DATA_DIR: '/tmp/unused', ...env })));
  const log = createLogger({ level: 'debug', format: 'json', destination, scrubber });
  [t, r] = await Promise.all([
    startTestApp({ ...env, TOPUP_RECONCILE_AFTER_SECONDS: '3600' }, { log }),
    // Reconciliation asks about any order pending a second, every second.
    startTestApp({ ...env, TOPUP_RECONCILE_AFTER_SECONDS: '1', TOPUP_RECONCILE_EVERY_SECONDS: '1' }, { log, clock: { now: () => new Date(Date.now() + offsetMs) } }),
  ]);
});
afterAll(async () => {
  await Promise.all([t?.close(), r?.close()]);
  await fake?.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

describe('createTopUp through Snap', () => {
  test('Snap gets the order (Basic auth with the server key, order_id, gross_amount, item, expiry) and its token and redirect_url come back', async () => {
    const s = await seller('snap-seller');
    const created = await s.order('populer');
    expect(created.__typename).toBe('CreateTopUpSuccess');
    const { topUp, paymentToken } = created;
    expect(topUp).toMatchObject({ status: 'PENDING', coins: 60, price: 55000, currency: 'IDR', paidAt: null });
    const snap = fake.requests.find((r) => r.path === '/snap/v1/transactions')!;
    expect(snap.method).toBe('POST');
    expect(snap.authorization).toBe(`Basic ${Buffer.from(`${fake.serverKey}:`).toString('base64')}`);
    expect(snap.body).toMatchObject({
      transaction_details: { order_id: topUp.id, gross_amount: 55000 },
      item_details: [{ id: 'populer', price: 55000, quantity: 1, name: '60 koin Etalase' }],
      expiry: { unit: 'minutes', duration: 1440 },
    });
    const transaction = fake.transactions.get(topUp.id)!;
    expect(paymentToken).toBe(transaction.token);
    expect(topUp.redirectUrl).toBe(`${fake.url}/snap/v4/redirection/${transaction.token}`);
  });

  test('Snap failing is PaymentUnavailableError; the order is FAILED and nothing is charged', async () => {
    const s = await seller('snap-down');
    fake.failNextSnap(500);
    const failed = await s.order();
    expect(failed.__typename).toBe('PaymentUnavailableError');
    const me = (await t.gql(ME, {}, { token: s.token })).body.data.me;
    expect(me.coinsBalance).toBe(10);
    expect(me.topUps.edges.map((e: any) => e.node.status)).toEqual(['FAILED']);
  });

  test('an unknown package is an InvalidInputError naming the field', async () => {
    const s = await seller('snap-typo');
    expect(await s.order('mahal')).toMatchObject({ __typename: 'InvalidInputError', message: expect.stringContaining('hemat, populer') });
  });
});

describe('notifications', () => {
  test('settlement credits once; duplicates and a late pending change nothing', async () => {
    const s = await seller('notify-seller');
    const { topUp } = await s.order('populer');
    fake.move(topUp.id, 'pending');
    const pending = fake.notification(topUp.id);
    expect(await notify(pending)).toEqual({ status: 200, body: { status: 'PENDING' } });
    fake.move(topUp.id, 'settlement');
    const settlement = fake.notification(topUp.id);
    for (let i = 0; i < 3; i++) expect(await notify(settlement)).toEqual({ status: 200, body: { status: 'PAID' } });
    expect(await notify(pending)).toEqual({ status: 200, body: { status: 'PAID' } });
    expect(await s.balance()).toBe(70);
    // A cancel after the credit takes nothing back by itself, and asks an operator to look.
    fake.move(topUp.id, 'cancel');
    expect(await notify(fake.notification(topUp.id))).toEqual({ status: 200, body: { status: 'PAID' } });
    expect(await s.balance()).toBe(70);
    expect(lines.find((l) => l.message === 'a paid top-up was later reported failed: review it' && l.topUpId === topUp.id)).toMatchObject({ level: 'warn', gatewayStatus: 'cancel' });
    const node = (await t.gql(ME, {}, { token: s.token })).body.data.me.topUps.edges[0].node;
    expect(node).toMatchObject({ id: topUp.id, status: 'PAID', coins: 60 });
    expect(node.paidAt).toEqual(expect.any(String));
  });

  test('a refund that overtakes its settlement leaves the order REFUNDED and never credits it', async () => {
    const s = await seller('notify-reordered');
    const { topUp } = await s.order('hemat');
    fake.move(topUp.id, 'settlement');
    const settlement = fake.notification(topUp.id);
    fake.move(topUp.id, 'refund');
    expect((await notify(fake.notification(topUp.id))).body).toEqual({ status: 'REFUNDED' });
    expect((await notify(settlement)).body).toEqual({ status: 'REFUNDED' });
    expect(await s.balance()).toBe(10);
  });

  test('a chargeback takes the coins back, never below zero; what was spent is written off', async () => {
    const s = await seller('notify-chargeback');
    const { topUp } = await s.order('hemat');
    fake.move(topUp.id, 'capture');
    expect((await notify(fake.notification(topUp.id))).body).toEqual({ status: 'PAID' });
    expect(await s.balance()).toBe(35);
    // The seller spends 20 of the 35 coins on a batch before the chargeback arrives.
    const spend = await t.gql('mutation { startGeneration(input: { count: 1 }) { __typename } }', {}, { token: s.token });
    expect(spend.body.data.startGeneration.__typename).toBe('StartGenerationSuccess');
    expect(await s.balance()).toBe(15);
    fake.move(topUp.id, 'chargeback');
    expect((await notify(fake.notification(topUp.id))).body).toEqual({ status: 'REFUNDED' });
    expect(await s.balance()).toBe(0);
    expect(await notify(fake.notification(topUp.id))).toEqual({ status: 200, body: { status: 'REFUNDED' } });
    expect(await s.balance()).toBe(0);
    const history = (await t.gql('{ me { coinHistory(first: 5) { edges { node { kind delta balanceAfter topUpId } } } } }', {}, { token: s.token })).body.data.me
      .coinHistory.edges.map((e: any) => e.node);
    expect(history.slice(0, 3)).toEqual([
      { kind: 'TOPUP_REVERSAL', delta: -15, balanceAfter: 0, topUpId: topUp.id },
      { kind: 'DEBIT', delta: -20, balanceAfter: 15, topUpId: null },
      { kind: 'TOPUP', delta: 25, balanceAfter: 35, topUpId: topUp.id },
    ]);
    // The 10 coins already spent are written off, on the order, for an operator.
    const { rows } = await (t.app.services.ledger as any).db.query('select * from public.topup_shortfalls() where topup_id = $1', [topUp.id]);
    expect(rows).toMatchObject([{ coins_unrecovered: 10, gateway_status: 'chargeback' }]);
    expect(await t.app.services.ledger.problems()).toEqual([]);
  });

  test('a capture the fraud check challenged waits; accepted, it credits', async () => {
    const s = await seller('notify-challenge');
    const { topUp } = await s.order('hemat');
    fake.move(topUp.id, 'capture', 'challenge');
    expect((await notify(fake.notification(topUp.id))).body).toEqual({ status: 'PENDING' });
    expect(await s.balance()).toBe(10);
    fake.move(topUp.id, 'capture', 'accept');
    expect((await notify(fake.notification(topUp.id))).body).toEqual({ status: 'PAID' });
    expect(await s.balance()).toBe(35);
  });

  test('deny, cancel and expire credit nothing', async () => {
    const s = await seller('notify-failures');
    for (const [status, expected] of [['deny', 'FAILED'], ['cancel', 'FAILED'], ['expire', 'EXPIRED'], ['failure', 'FAILED']] as const) {
      const { topUp } = await s.order('hemat');
      fake.move(topUp.id, status);
      expect((await notify(fake.notification(topUp.id))).body, status).toEqual({ status: expected });
    }
    expect(await s.balance()).toBe(10);
  });

  test('a forged notification (another key) is 401 and changes nothing; an unknown order is 404; a wrong amount is 400 and logged', async () => {
    const s = await seller('notify-forged');
    const { topUp } = await s.order('populer');
    fake.move(topUp.id, 'settlement');
    expect(await notify(fake.notification(topUp.id, {}, 'SB-Mid-server-attacker'))).toMatchObject({ status: 401 });
    expect(await notify({ ...fake.notification(topUp.id), gross_amount: '1.00' })).toMatchObject({ status: 401 });
    expect(await notify({ ...fake.notification(topUp.id), signature_key: undefined })).toMatchObject({ status: 400 });
    expect(await notify('settlement')).toMatchObject({ status: 400 });
    // Signed by Midtrans' key but for an order this app never made.
    expect(await notify(fake.notification(topUp.id, { order_id: '00000000-0000-4000-8000-000000000001' }))).toMatchObject({ status: 404 });
    // Midtrans' own signature over an amount that is not the order's.
    expect(await notify(fake.notification(topUp.id, { gross_amount: '5500.00' }))).toMatchObject({ status: 400 });
    expect(await notify(fake.notification(topUp.id, { currency: 'USD' }))).toMatchObject({ status: 400 });
    expect(await s.balance()).toBe(10);
    expect(lines.find((l) => l.message === 'a payment status with the wrong amount or currency was refused' && l.topUpId === topUp.id)).toMatchObject({
      level: 'error',
      amount: 5500,
      orderPrice: 55000,
    });
    expect((await notify(fake.notification(topUp.id))).body).toEqual({ status: 'PAID' });
    expect(await s.balance()).toBe(70);
  });

  test('the server key never reaches a log line', () => {
    expect(raw.join('')).not.toContain(fake.serverKey);
  });
});

describe('reconciliation (a queued job)', () => {
  test('a lost notification: the job asks the status API and credits the order once', async () => {
    const s = await seller('reconcile-lost', r);
    const { topUp } = await s.order('populer');
    fake.move(topUp.id, 'settlement'); // paid at Midtrans; the notification never arrives
    await expect.poll(() => s.balance(), { timeout: 20_000, interval: 250 }).toBe(70);
    const statusCalls = fake.requests.filter((q) => q.path === `/v2/${topUp.id}/status`);
    expect(statusCalls.length).toBeGreaterThan(0);
    expect(statusCalls[0]!.authorization).toBe(`Basic ${Buffer.from(`${fake.serverKey}:`).toString('base64')}`);
    // The notification arriving after all changes nothing.
    expect((await notify(fake.notification(topUp.id), r)).body).toEqual({ status: 'PAID' });
    expect(await s.balance()).toBe(70);
    expect(lines.some((l) => l.message === 'top-up status changed' && l.topUpId === topUp.id && l.source === 'reconciliation')).toBe(true);
    expect(await r.app.services.ledger.problems()).toEqual([]);
  });

  test('an order Midtrans never heard of (its page never opened) stays PENDING until its expiry, then EXPIRED', async () => {
    const s = await seller('reconcile-unopened', r);
    const { topUp } = await s.order('hemat');
    // Asked about (Midtrans answers 404), and left PENDING: the page may still be used.
    await expect.poll(() => fake.requests.filter((q) => q.path === `/v2/${topUp.id}/status`).length, { timeout: 20_000, interval: 250 }).toBeGreaterThan(0);
    expect((await s.topUps())[0]).toMatchObject({ id: topUp.id, status: 'PENDING' });
    // Once its expiry (TOPUP_EXPIRY_MINUTES = 1440) has passed, such an order can no longer be paid.
    offsetMs = 25 * 3600_000;
    try {
      const late = (await s.order('hemat')).topUp;
      await expect.poll(async () => (await s.topUps()).find((o: any) => o.id === late.id).status, { timeout: 20_000, interval: 250 }).toBe('EXPIRED');
    } finally {
      offsetMs = 0;
    }
    expect(await s.balance()).toBe(10);
  });
});
