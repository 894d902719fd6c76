// The offline gateway, served by the app itself: a payment page per order (/payments/sandbox/<id>,
// with Pay and Decline, and Refund and Chargeback once paid) whose buttons produce a notification in
// Midtrans' own format, signed with a key kept in DATA_DIR, that goes through the same endpoint and
// the same checks as Midtrans'. It keeps its transactions in memory: after a restart, or from a
// separate worker, an order it does not know is "not found" (and expires like one never opened).
import { randomUUID } from 'node:crypto';
import type { GatewayStatus, PaymentOrder, Payments } from '../../studio/ports.js';
import { loadOrCreateSecret } from '../secret-file.js';
import { gatewayStatusOf, grossAmountText, readNotification, signatureOf, statusCodeOf } from './midtrans-protocol.js';

export const SANDBOX_PATH = '/payments/sandbox/';

/** What a button on the sandbox page does, as Midtrans would report it. */
export const SANDBOX_ACTIONS = { pay: 'settlement', decline: 'deny', refund: 'refund', chargeback: 'chargeback' } as const;
export type SandboxAction = keyof typeof SANDBOX_ACTIONS;

export interface SandboxPayments extends Payments {
  readonly name: 'sandbox';
  /** the signed notification a button sends for this order */
  act(order: { id: string; price: number; currency: string }, action: SandboxAction): Record<string, unknown>;
}

export async function createSandboxPayments(options: { dataDir: string; publicUrl: string; now?: () => Date }): Promise<SandboxPayments> {
  const serverKey = (await loadOrCreateSecret(options.dataDir, 'sandbox-payments-key')).toString('base64url');
  const now = options.now ?? (() => new Date());
  const transactions = new Map<string, { amount: number; currency: string; transactionStatus: string; transactionId: string }>();

  const body = (orderId: string, t: { amount: number; currency: string; transactionStatus: string; transactionId: string }) => {
    const statusCode = statusCodeOf(t.transactionStatus);
    const grossAmount = grossAmountText(t.amount);
    return {
      transaction_time: now().toISOString().replace('T', ' ').slice(0, 19),
      transaction_status: t.transactionStatus,
      transaction_id: t.transactionId,
      status_message: 'Etalase sandbox notification',
      status_code: statusCode,
      signature_key: signatureOf(orderId, statusCode, grossAmount, serverKey),
      payment_type: 'sandbox',
      order_id: orderId,
      merchant_id: 'ETALASE-SANDBOX',
      gross_amount: grossAmount,
      fraud_status: 'accept',
      currency: t.currency,
    };
  };

  return {
    name: 'sandbox',
    async createOrder(order: PaymentOrder) {
      transactions.set(order.orderId, { amount: order.amount, currency: order.currency, transactionStatus: 'pending', transactionId: randomUUID() });
      return { token: `sandbox-${randomUUID()}`, redirectUrl: `${options.publicUrl}${SANDBOX_PATH}${order.orderId}` };
    },
    async status(orderId): Promise<GatewayStatus | null> {
      const t = transactions.get(orderId);
      return t ? gatewayStatusOf(body(orderId, t)) : null;
    },
    readNotification: (notification) => readNotification(notification, serverKey),
    act(order, action) {
      const known = transactions.get(order.id);
      const t = { amount: order.price, currency: order.currency, transactionId: known?.transactionId ?? randomUUID(), transactionStatus: SANDBOX_ACTIONS[action] };
      transactions.set(order.id, t);
      return body(order.id, t);
    },
  };
}
