// Midtrans' words and signature, shared by the Midtrans adapter and the sandbox gateway (which speaks
// the same protocol, so that its notifications go through the same endpoint and the same checks).
//   signature_key = SHA-512 hex of order_id + status_code + gross_amount + server key
//   transaction_status: capture (cards; with fraud_status accept, challenge or deny), settlement,
//   pending, authorize, deny, cancel, expire, failure, refund, partial_refund, chargeback,
//   partial_chargeback.
import { createHash, timingSafeEqual } from 'node:crypto';
import { NotificationRejected, type GatewayNotification, type GatewayStatus, type TopUpStatus } from '../../studio/ports.js';

export const signatureOf = (orderId: string, statusCode: string, grossAmount: string, serverKey: string): string =>
  createHash('sha512').update(`${orderId}${statusCode}${grossAmount}${serverKey}`, 'utf8').digest('hex');

/** Midtrans' transaction status (and fraud status, for card captures) as ours. Unknown words wait. */
export function statusOf(transactionStatus: string, fraudStatus?: string | null): TopUpStatus {
  switch (transactionStatus) {
    case 'settlement':
      return 'PAID';
    case 'capture':
      // A card capture the fraud check challenged waits for the merchant's decision; one it denied failed.
      return fraudStatus === 'challenge' ? 'PENDING' : fraudStatus === 'deny' ? 'FAILED' : 'PAID';
    case 'deny':
    case 'cancel':
    case 'failure':
      return 'FAILED';
    case 'expire':
      return 'EXPIRED';
    // A package is sold whole: a partial refund or chargeback takes the whole order's coins back.
    case 'refund':
    case 'partial_refund':
    case 'chargeback':
    case 'partial_chargeback':
      return 'REFUNDED';
    default:
      // pending, authorize (a card not captured yet), anything new
      return 'PENDING';
  }
}

/** Midtrans' status_code for a status, as its notifications carry it. */
export function statusCodeOf(transactionStatus: string): string {
  return transactionStatus === 'pending' ? '201' : ['deny', 'expire'].includes(transactionStatus) ? '202' : '200';
}

/** "55000.00" → 55000; anything that is not a whole-rupiah amount → null (never equal to an order's price). */
export function amountOf(grossAmount: unknown): number | null {
  const text = typeof grossAmount === 'number' ? String(grossAmount) : grossAmount;
  if (typeof text !== 'string' || !/^\d{1,12}(\.\d{1,2})?$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

export const grossAmountText = (amount: number) => `${amount}.00`;

const text = (value: unknown, field: string, max = 100): string => {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw new NotificationRejected(`${field} is missing or not text`, 'malformed');
  return value;
};

/** A status API answer or a notification's fields, in our words. */
export function gatewayStatusOf(body: Record<string, unknown>): GatewayStatus {
  const transactionStatus = text(body.transaction_status, 'transaction_status', 40);
  return {
    status: statusOf(transactionStatus, typeof body.fraud_status === 'string' ? body.fraud_status : null),
    gatewayStatus: transactionStatus,
    amount: amountOf(body.gross_amount),
    currency: typeof body.currency === 'string' ? body.currency : null,
  };
}

/** Verifies a notification's signature_key with `serverKey` (constant-time) and reads it. */
export function readNotification(body: unknown, serverKey: string): GatewayNotification {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new NotificationRejected('not a JSON object', 'malformed');
  const b = body as Record<string, unknown>;
  const orderId = text(b.order_id, 'order_id', 50);
  const statusCode = text(b.status_code, 'status_code', 3);
  const grossAmount = text(b.gross_amount, 'gross_amount', 20);
  const presented = Buffer.from(text(b.signature_key, 'signature_key', 128), 'utf8');
  const expected = Buffer.from(signatureOf(orderId, statusCode, grossAmount, serverKey), 'utf8');
  if (presented.byteLength !== expected.byteLength || !timingSafeEqual(presented, expected)) {
    throw new NotificationRejected('the signature_key does not match', 'signature');
  }
  // The signature covers status_code but not transaction_status: a signed 'deny' (202) or 'pending'
  // (201) relabelled 'settlement' must not credit. Money moves only with Midtrans' 200.
  const said = gatewayStatusOf(b);
  if ((said.status === 'PAID' || said.status === 'REFUNDED') && statusCode !== '200') {
    throw new NotificationRejected(`transaction_status ${said.gatewayStatus} with status_code ${statusCode}`, 'malformed');
  }
  return { orderId, ...said };
}
