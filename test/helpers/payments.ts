// Notifications as a gateway sends them, for the tests: signed (Midtrans' formula, computed by the
// fake's own code) with a key of the test's choosing, posted to the app's endpoint.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { midtransSignature } from '../fakes/midtrans.js';
import type { TestApp } from './app.js';

/** The sandbox gateway's signing key (its "server key"), from the app's DATA_DIR. */
export const sandboxKey = async (dataDir: string) => (await readFile(path.join(dataDir, 'sandbox-payments-key'), 'utf8')).trim();

const CODES: Record<string, string> = { pending: '201', deny: '202', expire: '202' };

export function signedNotification(
  key: string,
  n: { orderId: string; transactionStatus: string; amount: number | string; currency?: string; fraudStatus?: string },
): Record<string, unknown> {
  const statusCode = CODES[n.transactionStatus] ?? '200';
  const grossAmount = typeof n.amount === 'number' ? `${n.amount}.00` : n.amount;
  return {
    transaction_time: '2026-12-04 10:00:00',
    transaction_status: n.transactionStatus,
    transaction_id: 'test-transaction',
    status_message: 'test notification',
    status_code: statusCode,
    signature_key: midtransSignature(n.orderId, statusCode, grossAmount, key),
    payment_type: 'bank_transfer',
    order_id: n.orderId,
    gross_amount: grossAmount,
    fraud_status: n.fraudStatus ?? 'accept',
    currency: n.currency ?? 'IDR',
  };
}

export async function postNotification(t: TestApp, body: unknown, headers: Record<string, string> = {}) {
  const response = await t.app.yoga.fetch('http://localhost/payments/midtrans/notification', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { status?: string; error?: string } };
}

export const CREATE_TOP_UP = `mutation($input: CreateTopUpInput!) { createTopUp(input: $input) {
  __typename ... on Error { message } ... on RateLimitedError { retryAfterSeconds }
  ... on CreateTopUpSuccess { paymentToken topUp { id status coins price currency redirectUrl createdAt paidAt } } } }`;
