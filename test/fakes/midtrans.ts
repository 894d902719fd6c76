// A wire-level fake of Midtrans for the real midtrans-client: Snap's POST /snap/v1/transactions and
// the Core API's GET /v2/<order_id>/status, on one local port (MIDTRANS_BASE_URL), both behind Basic
// auth with the server key. A test moves a transaction through Midtrans' statuses (settle, refund…)
// and gets the notification Midtrans would send, signed as Midtrans signs it (or forged), to POST to
// the app's endpoint itself: in any order, as often as it likes, or never (a lost notification).
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MidtransTransaction {
  orderId: string;
  grossAmount: number;
  token: string;
  transactionId: string;
  /** null until the buyer opened the Snap page (then the status API knows it) */
  transactionStatus: string | null;
  fraudStatus: string;
  request: any;
}

export interface MidtransRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: any;
}

export interface MidtransFake {
  url: string;
  serverKey: string;
  requests: MidtransRequest[];
  transactions: Map<string, MidtransTransaction>;
  /** the next Snap request answers this HTTP status (once) */
  failNextSnap(status: number): void;
  /** Midtrans moves the transaction to this status (the buyer paid, the bank refunded…) */
  move(orderId: string, transactionStatus: string, fraudStatus?: string): void;
  /** the notification Midtrans sends for the transaction as it stands (or with `override` fields),
   *  signed with `key` (default: the server key) */
  notification(orderId: string, override?: Record<string, unknown>, key?: string): Record<string, unknown>;
  close(): Promise<void>;
}

export const midtransSignature = (orderId: string, statusCode: string, grossAmount: string, key: string) =>
  createHash('sha512').update(`${orderId}${statusCode}${grossAmount}${key}`).digest('hex');

/** status_code as Midtrans' notifications and status API carry it */
const codeOf = (status: string, api: boolean) =>
  status === 'pending' ? '201' : status === 'expire' ? (api ? '407' : '202') : status === 'deny' ? '202' : '200';

export async function startMidtransFake(options: { serverKey?: string } = {}): Promise<MidtransFake> {
  const serverKey = options.serverKey ?? `SB-Mid-server-${randomUUID()}`;
  const requests: MidtransRequest[] = [];
  const transactions = new Map<string, MidtransTransaction>();
  let snapFailure: number | null = null;
  const expectedAuth = `Basic ${Buffer.from(`${serverKey}:`).toString('base64')}`;

  const bodyOf = (t: MidtransTransaction, api: boolean, override: Record<string, unknown> = {}) => {
    const status = t.transactionStatus ?? 'pending';
    const base: Record<string, unknown> = {
      transaction_time: '2026-12-04 10:00:00',
      transaction_status: status,
      transaction_id: t.transactionId,
      status_message: api ? 'Success, transaction is found' : 'midtrans payment notification',
      status_code: codeOf(status, api),
      payment_type: 'bank_transfer',
      order_id: t.orderId,
      merchant_id: 'G000000000',
      gross_amount: `${t.grossAmount}.00`,
      fraud_status: t.fraudStatus,
      currency: 'IDR',
      ...override,
    };
    return base;
  };

  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : null;
      const path = req.url ?? '';
      requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization, body });
      const send = (status: number, payload: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      if (req.headers.authorization !== expectedAuth) {
        return send(401, { status_code: '401', status_message: 'Access denied due to unauthorized transaction, please check client or server key', error_messages: ['Access denied'] });
      }
      if (req.method === 'POST' && path === '/snap/v1/transactions') {
        if (snapFailure !== null) {
          const status = snapFailure;
          snapFailure = null;
          return send(status, { error_messages: ['Sorry, we encountered internal server error. We will fix this soon.'] });
        }
        const details = body?.transaction_details;
        if (!details?.order_id || !Number.isInteger(details.gross_amount)) {
          return send(400, { error_messages: ['transaction_details.gross_amount is required'] });
        }
        if (transactions.has(details.order_id)) return send(400, { error_messages: ['transaction_details.order_id has already been taken'] });
        const token = randomUUID();
        transactions.set(details.order_id, {
          orderId: details.order_id,
          grossAmount: details.gross_amount,
          token,
          transactionId: randomUUID(),
          transactionStatus: null,
          fraudStatus: 'accept',
          request: body,
        });
        return send(201, { token, redirect_url: `${url}/snap/v4/redirection/${token}` });
      }
      const status = /^\/v2\/([^/]+)\/status$/.exec(path);
      if (req.method === 'GET' && status) {
        const t = transactions.get(decodeURIComponent(status[1]!));
        if (!t || t.transactionStatus === null) return send(404, { status_code: '404', status_message: "Transaction doesn't exist." });
        const payload = bodyOf(t, true);
        payload.signature_key = midtransSignature(t.orderId, String(payload.status_code), String(payload.gross_amount), serverKey);
        return send(200, payload);
      }
      send(404, { error_messages: ['not found'] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const find = (orderId: string) => {
    const t = transactions.get(orderId);
    if (!t) throw new Error(`the fake has no transaction ${orderId}`);
    return t;
  };

  return {
    url,
    serverKey,
    requests,
    transactions,
    failNextSnap(status) {
      snapFailure = status;
    },
    move(orderId, transactionStatus, fraudStatus = 'accept') {
      const t = find(orderId);
      t.transactionStatus = transactionStatus;
      t.fraudStatus = fraudStatus;
    },
    notification(orderId, override = {}, key = serverKey) {
      const payload = bodyOf(find(orderId), false, override);
      payload.signature_key = midtransSignature(String(payload.order_id), String(payload.status_code), String(payload.gross_amount), key);
      return payload;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
