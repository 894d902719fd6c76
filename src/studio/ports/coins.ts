// Coins as the ledger keeps them: balances, grants, top-ups, the history, and the books' own checks. Every
// money rule (balance ≥ 0, one refund per failure) is enforced in SQL.
import type { Ordinal } from './records.js';

export interface CoinEntry {
  id: string;
  delta: number;
  /** topup: a paid order credited; topup_reversal: its refund or chargeback taken back */
  kind: 'signup' | 'grant' | 'debit' | 'refund' | 'topup' | 'topup_reversal';
  generationId: string | null;
  topUpId: string | null;
  /** the clip a debit or refund was for */
  videoId: string | null;
  reason: string | null;
  balanceAfter: number;
  createdAt: Date;
}

export interface Coins {
  /** creates the profile with the signup credit on first sight; returns the balance */
  ensureProfile(userId: string): Promise<number>;
  balance(userId: string): Promise<number>;
  grant(userId: string, amount: number, reason: string): Promise<number>;
  /** the user's coin movements, newest first, paged like GenerationStore.generations */
  coinHistory(userId: string, limit: number, before?: number): Promise<Array<Ordinal<CoinEntry>>>;
  /** the signup credit new users receive (kept in the database so the auth trigger sees it) */
  setSignupCoins(coins: number): Promise<void>;
}

/** The books' own checks, for operators (npm run coins -- check) and tests. */
export interface Books {
  /** sum of ledger rows for a user: equals the balance when the books are right */
  ledgerSum(userId: string): Promise<number>;
  /** every way the books are wrong (negative balance, sum ≠ balance, refunds ≠ 1 per failure); empty when right */
  problems(): Promise<Array<{ userId: string; problem: string }>>;
}
