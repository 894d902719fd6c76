// Buying coins, as plain TypeScript over ports:
//   createTopUp: a PENDING order in SQL, then the gateway's payment page for it;
//   notify: a gateway notification, verified by the gateway adapter, applied by SQL;
//   reconcile: orders still pending a while are asked about (the gateway's status API), so a lost
//   notification does not lose a purchase; an order the gateway never heard of expires.
// Every money rule (one credit per order, statuses that only move up, the amount checked, a reversal
// that never goes below zero) is in SQL: this module decides nothing about coins.
import { InvalidInputError, PaymentUnavailableError, RateLimitedError } from './errors.js';
import {
  NotificationRejected,
  type ApplyOutcome,
  type Clock,
  type GatewayStatus,
  type Ids,
  type Logger,
  type Ordinal,
  type PaymentSession,
  type Payments,
  type TopUpRecord,
  type TopUps,
} from './ports.js';

/** A package on sale: `coins` for `price` whole rupiah. */
export interface TopUpPackage {
  name: string;
  coins: number;
  price: number;
}

export const TOPUP_CURRENCY = 'IDR' as const;
/** pending orders a seller may have from the last hour (with fair-use limits on) */
export const MAX_PENDING_TOPUPS = 10;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TopUpDeps {
  store: TopUps;
  payments: Payments;
  packages: TopUpPackage[];
  clock: Clock;
  ids: Ids;
  log: Logger;
  /** null: no limit on pending orders */
  maxPending: number | null;
  /** an order still PENDING this long is asked about */
  reconcileAfterMs: number;
  /** an order the gateway has no transaction for this long after it was made has expired */
  expiryMs: number;
}

/** What became of a notification: the HTTP answer follows from `kind`. */
export type NotifyOutcome =
  | { kind: 'applied' | 'unchanged'; orderId: string; status: TopUpRecord['status'] }
  | { kind: 'forged' | 'malformed'; message: string }
  | { kind: 'unknown'; orderId: string }
  | { kind: 'mismatch'; orderId: string };

export function createTopUps(deps: TopUpDeps) {
  const byName = new Map(deps.packages.map((p) => [p.name, p]));

  async function create(userId: string, packageName: string): Promise<{ topUp: TopUpRecord; session: PaymentSession }> {
    const pkg = byName.get(packageName);
    if (!pkg) {
      throw new InvalidInputError('package', `No package "${packageName.slice(0, 40)}": choose one of ${[...byName.keys()].join(', ')}.`);
    }
    const created = await deps.store.createTopUp(
      { id: deps.ids.uuid(), userId, package: pkg.name, coins: pkg.coins, price: pkg.price, currency: TOPUP_CURRENCY, gateway: deps.payments.name },
      deps.maxPending,
    );
    if ('rateLimited' in created) {
      throw new RateLimitedError(`You have ${deps.maxPending} unpaid orders from the last hour: pay or wait for one first.`, created.rateLimited);
    }
    let session: PaymentSession;
    try {
      session = await deps.payments.createOrder({
        orderId: created.id,
        amount: pkg.price,
        currency: TOPUP_CURRENCY,
        item: { id: pkg.name, name: `${pkg.coins} koin Etalase` },
      });
    } catch (error) {
      deps.log.warn('the payment gateway did not make a payment page', { topUpId: created.id, gateway: deps.payments.name, error: String(error) });
      // Nothing was paid: the order is over. (Had the gateway made the page after all, a payment on it
      // would still be credited: a paid order moves up from FAILED.)
      await apply(created.id, { status: 'FAILED', gatewayStatus: 'not_created', amount: pkg.price, currency: TOPUP_CURRENCY }, 'create');
      throw new PaymentUnavailableError();
    }
    await deps.store.attachPayment(created.id, session);
    deps.log.info('top-up ordered', { topUpId: created.id, package: pkg.name, coins: pkg.coins, price: pkg.price, gateway: deps.payments.name });
    return { topUp: { ...created, paymentToken: session.token, redirectUrl: session.redirectUrl }, session };
  }

  async function apply(orderId: string, said: GatewayStatus, source: 'notification' | 'reconciliation' | 'create'): Promise<ApplyOutcome> {
    const outcome = await deps.store.applyTopUpStatus(orderId, said);
    const fields = { topUpId: orderId, source, gatewayStatus: said.gatewayStatus, status: said.status };
    if (outcome.kind === 'mismatch') {
      deps.log.error('a payment status with the wrong amount or currency was refused', {
        ...fields,
        amount: said.amount,
        currency: said.currency,
        orderPrice: outcome.price,
        orderCurrency: outcome.currency,
      });
    } else if (outcome.kind === 'applied') {
      deps.log.info('top-up status changed', { ...fields, previous: outcome.previous, balance: outcome.balance });
    } else if (outcome.kind === 'unchanged' && outcome.status === 'PAID' && (said.status === 'FAILED' || said.status === 'EXPIRED')) {
      // A void or denial after the coins were credited (a card capture cancelled, say): statuses only
      // move forward, so it takes nothing back by itself. An operator decides (npm run coins).
      deps.log.warn('a paid top-up was later reported failed: review it', { ...fields, orderStatus: outcome.status });
    } else if (outcome.kind === 'unchanged' && said.status !== outcome.status) {
      deps.log.debug('a payment status that changes nothing', { ...fields, orderStatus: outcome.status });
    }
    return outcome;
  }

  /** A gateway notification's body, parsed JSON. */
  async function notify(body: unknown): Promise<NotifyOutcome> {
    let notification;
    try {
      notification = deps.payments.readNotification(body);
    } catch (error) {
      if (!(error instanceof NotificationRejected)) throw error;
      deps.log.warn('a payment notification was refused', { reason: error.reason, error: error.message });
      return { kind: error.reason === 'signature' ? 'forged' : 'malformed', message: error.message };
    }
    const { orderId } = notification;
    if (!UUID.test(orderId)) return { kind: 'unknown', orderId };
    const outcome = await apply(orderId, notification, 'notification');
    if (outcome.kind === 'unknown') deps.log.warn('a payment notification for an unknown order', { topUpId: orderId });
    if (outcome.kind === 'unknown' || outcome.kind === 'mismatch') return { kind: outcome.kind, orderId };
    return { kind: outcome.kind, orderId, status: outcome.status };
  }

  /** Asks the gateway about orders pending past reconcileAfterMs; returns how many changed. */
  async function reconcile(limit = 100): Promise<{ checked: number; changed: number }> {
    const now = deps.clock.now().getTime();
    const due = await deps.store.claimPendingTopUps(new Date(now - deps.reconcileAfterMs), limit);
    let changed = 0;
    for (const order of due) {
      let said: GatewayStatus | null;
      try {
        said = await deps.payments.status(order.id);
      } catch (error) {
        deps.log.warn('could not ask the payment gateway about an order; asked again later', { topUpId: order.id, error: String(error) });
        continue;
      }
      if (said === null) {
        // The gateway has no transaction: the payment page was never used. Past its expiry it never will be.
        if (now - order.createdAt.getTime() < deps.expiryMs) continue;
        said = { status: 'EXPIRED', gatewayStatus: 'not_found', amount: order.price, currency: order.currency };
      }
      if ((await apply(order.id, said, 'reconciliation')).kind === 'applied') changed++;
    }
    if (due.length) deps.log.info('top-ups reconciled', { checked: due.length, changed });
    return { checked: due.length, changed };
  }

  return {
    packages: (): TopUpPackage[] => [...byName.values()],
    create,
    notify,
    reconcile,
    /** any order by id, for the sandbox gateway's page (its id in the URL is the capability) */
    order: (id: string) => (UUID.test(id) ? deps.store.topUp(id) : Promise.resolve(null)),
    history: (userId: string, limit: number, before?: number): Promise<Array<Ordinal<TopUpRecord>>> => deps.store.topUps(userId, limit, before),
  };
}

export type TopUpService = ReturnType<typeof createTopUps>;

/** TOPUP_PACKAGES: `name:coins:price` separated by commas, e.g. `hemat:25:25000,populer:60:55000`. */
export function parsePackages(text: string): TopUpPackage[] | string {
  const packages: TopUpPackage[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([a-z0-9][a-z0-9_-]{0,31}):(\d{1,7}):(\d{1,10})$/.exec(part);
    if (!match) return `"${part}" is not name:coins:price (a lower-case name, whole coins, whole rupiah)`;
    const [, name, coins, price] = match;
    if (Number(coins) < 1 || Number(price) < 1 || Number(price) > 2_000_000_000) return `"${part}": coins and price must be positive (price ≤ 2 000 000 000)`;
    if (packages.some((p) => p.name === name)) return `"${name}" appears twice`;
    packages.push({ name: name!, coins: Number(coins), price: Number(price) });
  }
  return packages.length ? packages : 'at least one package';
}
