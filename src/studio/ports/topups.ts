// Top-up orders as the ledger keeps them. Every money rule (a credit once per order, statuses that
// only move up, the amount checked, a reversal that never goes below zero) is enforced in SQL.
import type { GatewayStatus, PaymentSession, TopUpStatus } from './payments.js';
import type { Ordinal } from './records.js';

export interface TopUpRecord {
  id: string;
  userId: string;
  package: string;
  coins: number;
  price: number;
  currency: 'IDR';
  gateway: 'sandbox' | 'midtrans';
  status: TopUpStatus;
  gatewayStatus: string | null;
  paymentToken: string | null;
  redirectUrl: string | null;
  /** a reversal took back this many coins; coinsUnrecovered were already spent and are written off */
  coinsReversed: number;
  coinsUnrecovered: number;
  createdAt: Date;
  paidAt: Date | null;
}

export interface NewTopUp {
  id: string;
  userId: string;
  package: string;
  coins: number;
  price: number;
  currency: 'IDR';
  gateway: 'sandbox' | 'midtrans';
}

export type ApplyOutcome =
  | { kind: 'applied'; status: TopUpStatus; previous: TopUpStatus; balance: number }
  | { kind: 'unchanged'; status: TopUpStatus }
  | { kind: 'unknown' }
  /** the gateway's amount or currency is not the order's: nothing changed */
  | { kind: 'mismatch'; status: TopUpStatus; price: number; currency: string };

export interface TopUps {
  /** a PENDING order; 'rate-limited' past `maxPending` pending orders of the last hour (null: no limit) */
  createTopUp(order: NewTopUp, maxPending: number | null): Promise<TopUpRecord | { rateLimited: number }>;
  attachPayment(id: string, session: PaymentSession): Promise<void>;
  /** what the gateway said, applied once and in status order (see the migration) */
  applyTopUpStatus(id: string, update: GatewayStatus): Promise<ApplyOutcome>;
  topUp(id: string): Promise<TopUpRecord | null>;
  /** the user's orders, newest first, paged like GenerationStore.generations */
  topUps(userId: string, limit: number, before?: number): Promise<Array<Ordinal<TopUpRecord>>>;
  /** PENDING orders made before `createdBefore`, each handed out at most once per interval */
  claimPendingTopUps(createdBefore: Date, limit: number): Promise<TopUpRecord[]>;
}
