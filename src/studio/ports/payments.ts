// The payment gateway (Midtrans, or the sandbox the app serves itself): a payment page for an order,
// what the gateway says about it (its status API), and its signed notifications. Vendor words stay in
// the adapter: the studio sees our statuses only.

/** An order's status. Only ever moves up this list (the SQL enforces it): PENDING < EXPIRED < FAILED <
 *  PAID < REFUNDED. PAID credits the coins once; REFUNDED (refund, chargeback) takes them back. */
export type TopUpStatus = 'PENDING' | 'EXPIRED' | 'FAILED' | 'PAID' | 'REFUNDED';

export interface PaymentOrder {
  orderId: string;
  /** whole rupiah */
  amount: number;
  currency: 'IDR';
  /** what the payment page shows */
  item: { id: string; name: string };
}

/** The gateway's payment page for an order: `token` for its in-page widget (Snap's snap.pay), or go to `redirectUrl`. */
export interface PaymentSession {
  token: string;
  redirectUrl: string;
}

/** What the gateway says about an order, in our words, with the amount it reports. */
export interface GatewayStatus {
  status: TopUpStatus;
  /** the gateway's own status word (settlement, capture, chargeback…), for the order's record and logs */
  gatewayStatus: string;
  /** whole rupiah; null when the gateway did not say (then the order is not changed) */
  amount: number | null;
  currency: string | null;
}

export interface GatewayNotification extends GatewayStatus {
  orderId: string;
}

/** A notification that is not the gateway's: a bad signature, or not a notification at all. */
export class NotificationRejected extends Error {
  constructor(
    message: string,
    readonly reason: 'signature' | 'malformed',
  ) {
    super(message);
    this.name = 'NotificationRejected';
  }
}

/** The gateway could not be reached or refused the request: nothing was charged. */
export class PaymentGatewayError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PaymentGatewayError';
  }
}

export interface Payments {
  /** which gateway (sandbox, midtrans): recorded on each order */
  readonly name: 'sandbox' | 'midtrans';
  /** a payment page for the order; throws PaymentGatewayError */
  createOrder(order: PaymentOrder): Promise<PaymentSession>;
  /** the gateway's status of the order; null when it has no transaction for it (never opened, unknown) */
  status(orderId: string): Promise<GatewayStatus | null>;
  /** verifies a notification's signature and reads it; throws NotificationRejected */
  readNotification(body: unknown): GatewayNotification;
}
