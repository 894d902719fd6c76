// Midtrans through its official Node client (midtrans-client): Snap for the payment page, the Core
// API's status for reconciliation, and the notification's SHA-512 signature with the server key.
// MIDTRANS_BASE_URL sends both APIs elsewhere (the wire-level fake in tests): the client reads its
// base URLs from its ApiConfig, which this instance is given its own of (no global is changed).
import midtrans from 'midtrans-client';
import { PaymentGatewayError, type GatewayStatus, type PaymentOrder, type Payments } from '../../studio/ports.js';
import { gatewayStatusOf, readNotification } from './midtrans-protocol.js';

export interface MidtransConfig {
  kind: 'midtrans';
  serverKey: string;
  clientKey?: string;
  production: boolean;
  /** both APIs under one base: Snap at <base>/snap/v1, the Core API at <base> */
  baseUrl?: string;
  /** how long a payment page may be used (minutes) */
  expiryMinutes: number;
  /** where Snap sends the buyer back to */
  finishUrl: string;
}

const TIMEOUT_MS = 15_000;

const isNotFound = (error: unknown) => {
  const code = (error as { httpStatusCode?: unknown })?.httpStatusCode;
  return code !== undefined && code !== null && Number(code) === 404;
};

export function createMidtransPayments(config: MidtransConfig): Payments {
  const snap = new midtrans.Snap({ isProduction: config.production, serverKey: config.serverKey, clientKey: config.clientKey ?? '' });
  if (config.baseUrl) {
    const base = config.baseUrl.replace(/\/+$/, '');
    snap.apiConfig.getSnapApiBaseUrl = () => `${base}/snap/v1`;
    snap.apiConfig.getCoreApiBaseUrl = () => base;
  }
  snap.httpClient.http_client.defaults.timeout = TIMEOUT_MS;

  return {
    name: 'midtrans',

    async createOrder(order: PaymentOrder) {
      try {
        const created = await snap.createTransaction({
          transaction_details: { order_id: order.orderId, gross_amount: order.amount },
          item_details: [{ id: order.item.id, name: order.item.name.slice(0, 50), price: order.amount, quantity: 1 }],
          expiry: { unit: 'minutes', duration: config.expiryMinutes },
          callbacks: { finish: config.finishUrl },
        });
        if (typeof created?.token !== 'string' || typeof created.redirect_url !== 'string') {
          throw new PaymentGatewayError('Snap answered without a token and redirect_url');
        }
        return { token: created.token, redirectUrl: created.redirect_url };
      } catch (error) {
        if (error instanceof PaymentGatewayError) throw error;
        // MidtransError's message names the HTTP status and Midtrans' answer (never the key).
        throw new PaymentGatewayError(`Snap refused or did not answer: ${(error as Error).message}`);
      }
    },

    async status(orderId): Promise<GatewayStatus | null> {
      let body: Record<string, unknown>;
      try {
        body = await snap.transaction.status(orderId);
      } catch (error) {
        if (isNotFound(error)) return null;
        throw new PaymentGatewayError(`the status API refused or did not answer: ${(error as Error).message}`);
      }
      if (body.order_id !== orderId) throw new PaymentGatewayError('the status API answered about another order');
      return gatewayStatusOf(body);
    },

    readNotification: (body) => readNotification(body, config.serverKey),
  };
}
