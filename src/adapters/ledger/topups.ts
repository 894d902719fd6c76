// The TopUps port over the same SQL connection as the ledger: the functions in
// supabase/migrations/20261204000200_topups_api_keys.sql do the work; this file only maps rows.
import type { ApplyOutcome, GatewayStatus, NewTopUp, PaymentSession, TopUpRecord, TopUps } from '../../studio/ports.js';
import { isUnknownUser, UnknownUserError } from '../../studio/errors.js';
import { ordinalOf, toDate, toJson, type SqlQuery } from './sql-ledger.js';

export const nullableDate = (v: unknown) => (v == null ? null : toDate(v));

export function mapTopUp(row: Record<string, unknown>): TopUpRecord {
  return {
    id: String(row.id),
    userId: String(row.user_id),
    package: String(row.package),
    coins: Number(row.coins),
    price: Number(row.price),
    currency: row.currency as 'IDR',
    gateway: row.gateway as TopUpRecord['gateway'],
    status: row.status as TopUpRecord['status'],
    gatewayStatus: (row.gateway_status as string | null) ?? null,
    paymentToken: (row.payment_token as string | null) ?? null,
    redirectUrl: (row.redirect_url as string | null) ?? null,
    coinsReversed: Number(row.coins_reversed ?? 0),
    coinsUnrecovered: Number(row.coins_unrecovered ?? 0),
    createdAt: toDate(row.created_at),
    paidAt: nullableDate(row.paid_at),
  };
}

function mapApply(r: Record<string, unknown>): ApplyOutcome {
  switch (r.outcome) {
    case 'applied':
      return { kind: 'applied', status: r.status as TopUpRecord['status'], previous: r.previous as TopUpRecord['status'], balance: Number(r.balance) };
    case 'unchanged':
      return { kind: 'unchanged', status: r.status as TopUpRecord['status'] };
    case 'unknown':
      return { kind: 'unknown' };
    case 'mismatch':
      return { kind: 'mismatch', status: r.status as TopUpRecord['status'], price: Number(r.price), currency: String(r.currency) };
    default:
      throw new Error(`apply_topup_status returned an unknown outcome: ${JSON.stringify(r)}`);
  }
}

export const withKnownUser = async <T>(userId: string, work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    throw isUnknownUser(error) ? new UnknownUserError(userId) : error;
  }
};

export class SqlTopUps implements TopUps {
  constructor(private readonly db: SqlQuery) {}

  async createTopUp(order: NewTopUp, maxPending: number | null) {
    const { rows } = await withKnownUser(order.userId, () =>
      this.db.query<{ v: unknown }>('select public.create_topup($1, $2, $3, $4, $5, $6, $7, $8) as v', [
        order.id, order.userId, order.package, order.coins, order.price, order.currency, order.gateway, maxPending,
      ]),
    );
    const r = toJson<Record<string, unknown>>(rows[0]!.v, {});
    if (r.outcome === 'rate_limited') return { rateLimited: Number(r.retry_after) };
    return mapTopUp(toJson(r.topup, {}));
  }

  async attachPayment(id: string, session: PaymentSession) {
    await this.db.query('select public.attach_topup_payment($1, $2, $3)', [id, session.token, session.redirectUrl]);
  }

  async applyTopUpStatus(id: string, update: GatewayStatus) {
    const { rows } = await this.db.query<{ v: unknown }>('select public.apply_topup_status($1, $2, $3, $4, $5) as v', [
      id, update.status, update.gatewayStatus.slice(0, 40), update.amount, update.currency,
    ]);
    return mapApply(toJson(rows[0]!.v, {}));
  }

  async topUp(id: string) {
    const { rows } = await this.db.query('select * from public.get_topup($1)', [id]);
    return rows[0] ? mapTopUp(rows[0]) : null;
  }

  async topUps(userId: string, limit: number, before?: number) {
    const { rows } = await this.db.query<{ v: unknown }>('select v from public.topups_page($1, $2, $3) as v', [userId, limit, before ?? null]);
    return rows.map((r) => ordinalOf(toJson(r.v, {}), mapTopUp));
  }

  async claimPendingTopUps(createdBefore: Date, limit: number) {
    const { rows } = await this.db.query('select * from public.claim_pending_topups($1, $2)', [createdBefore.toISOString(), limit]);
    return rows.map(mapTopUp);
  }
}
