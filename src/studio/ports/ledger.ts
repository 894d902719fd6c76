// Coins and generations as the ledger keeps them; every money rule is enforced in SQL.
import type { GenerationMode, GenerationStatus, Slot } from './images.js';
import type { Storage } from './jobs.js';

/** Shared store of descriptions so a repeated photo costs no vision call. */
export interface DescriptionCache {
  get(key: string): Promise<string | null>;
  put(key: string, text: string): Promise<void>;
}

/** An image of a finished generation as the ledger keeps it: our own copy in Storage, under `key`. */
export interface StoredImage {
  /** Storage key; a URL is signed from it each time the generation is read */
  key?: string;
  /** only for images recorded before Storage existed */
  url?: string;
  width: number;
  height: number;
  contentType: string;
  videoPrompts: VideoPrompt[];
}

export interface Description {
  slot: Slot;
  text: string;
}

export interface GenerationRecord {
  id: string;
  userId: string;
  status: GenerationStatus;
  mode: GenerationMode;
  count: number;
  cost: number;
  descriptions: Description[];
  enhancedPrompt: string | null;
  images: StoredImage[];
  warnings: string[];
  providerRequestId: string | null;
  error: string | null;
  /** what the request was, kept so a resumed job can be finished */
  input: unknown;
  createdAt: Date;
  finishedAt: Date | null;
  deadlineAt: Date;
}

export interface VideoPrompt {
  version: 'A' | 'B';
  text: string;
}

export interface ReserveRequest {
  generationId: string;
  userId: string;
  cost: number;
  mode: GenerationMode;
  count: number;
  idempotencyKey: string | null;
  /** hash of everything that defines the request: the same key with another hash is a conflict */
  requestHash: string;
  deadlineAt: Date;
  /** what a resumed job needs to finish: the validated options and free text */
  input: unknown;
}

export type ReserveOutcome =
  | { kind: 'reserved'; balance: number }
  | { kind: 'replay'; generationId: string }
  | { kind: 'insufficient'; required: number; balance: number }
  | { kind: 'idempotency-conflict'; generationId: string }
  | { kind: 'rate-limited'; message: string; retryAfterSeconds: number };

export interface CoinEntry {
  id: string;
  delta: number;
  kind: 'signup' | 'grant' | 'debit' | 'refund';
  generationId: string | null;
  reason: string | null;
  balanceAfter: number;
  createdAt: Date;
}

export type Ordinal<T> = { ordinal: number; node: T };

export interface Settlement {
  images: GenerationRecord['images'];
  warnings: string[];
}

/** Coins and generations, plus the description cache kept in the same database. Every rule (balance ≥ 0, one refund, idempotency) is enforced in SQL. */
export interface Ledger extends DescriptionCache {
  /** creates the profile with the signup credit on first sight; returns the balance */
  ensureProfile(userId: string): Promise<number>;
  balance(userId: string): Promise<number>;
  reserve(request: ReserveRequest): Promise<ReserveOutcome>;
  /** a worker takes the generation: QUEUED → RUNNING with a fresh deadline; the row as it stands after */
  beginRun(generationId: string, deadlineAt: Date): Promise<GenerationRecord | null>;
  /** what the vision model saw and the prompt composed from it, recorded before generating */
  recordPrompt(generationId: string, descriptions: Description[], enhancedPrompt: string, warnings: string[]): Promise<void>;
  setProviderRequest(generationId: string, providerRequestId: string): Promise<void>;
  /** false when the generation was already settled (canceled, or finished by another attempt) */
  complete(generationId: string, settlement: Settlement): Promise<boolean>;
  /** marks the generation FAILED (or CANCELED) and refunds its cost exactly once */
  fail(generationId: string, reason: string, status?: 'FAILED' | 'CANCELED'): Promise<{ refunded: boolean; balance: number }>;
  generation(id: string): Promise<GenerationRecord | null>;
  /** the user's generations, newest first, older than ordinal `before`; `ordinal`: the row's place among
   *  this user's own (oldest = 1), what their history's cursors are made of */
  generations(userId: string, limit: number, before?: number): Promise<Array<Ordinal<GenerationRecord>>>;
  /** the user's coin movements, newest first, paged the same way */
  coinHistory(userId: string, limit: number, before?: number): Promise<Array<Ordinal<CoinEntry>>>;
  /** unfinished (QUEUED or RUNNING) generations whose deadline has passed: for operators and tests; the queue itself retries jobs */
  overdue(now: Date): Promise<GenerationRecord[]>;
  grant(userId: string, amount: number, reason: string): Promise<number>;
  /** sum of ledger rows for a user: equals the balance when the books are right */
  ledgerSum(userId: string): Promise<number>;
  /** every way the books are wrong (negative balance, sum ≠ balance, refunds ≠ 1 per failure); empty when right */
  problems(): Promise<Array<{ userId: string; problem: string }>>;
  /** the signup credit new users receive (kept in the database so the auth trigger sees it) */
  setSignupCoins(coins: number): Promise<void>;
  /** fair use, enforced in SQL for every instance: generations QUEUED or RUNNING per user, starts per
   *  minute (null: no limit); reserve answers 'rate-limited' past them */
  setGenerationLimits(limits: { maxActive: number | null; perMinute: number | null }): Promise<void>;
  /** adds `cost` to the subject's one-minute query budget; 0 when within `limit`, else seconds to wait */
  spendQueryBudget(subject: string, cost: number, limit: number): Promise<number>;
  /** a place among the user's at most `max` open subscriptions, for `ttlSeconds`; false when full */
  acquireSubscriptionLease(leaseId: string, userId: string, max: number, ttlSeconds: number): Promise<boolean>;
  releaseSubscriptionLease(leaseId: string): Promise<void>;
  close(): Promise<void>;
}
