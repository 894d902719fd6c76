// Expected failures: the GraphQL layer turns each into a typed error in the schema. Anything else is
// a bug or an outage and is masked by Yoga.
import type { Slot } from './ports/images.js';

export class StudioError extends Error {}

export class InsufficientCoinsError extends StudioError {
  constructor(
    readonly required: number,
    readonly balance: number,
  ) {
    super(`This request costs ${required} coin${required === 1 ? '' : 's'}; your balance is ${balance}.`);
    this.name = 'InsufficientCoinsError';
  }
}

export class InvalidImageError extends StudioError {
  constructor(
    readonly slot: Slot,
    readonly reason: string,
  ) {
    super(`${slot}: ${reason}`);
    this.name = 'InvalidImageError';
  }
}

export class InvalidInputError extends StudioError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

export class GenerationFailedError extends StudioError {
  constructor(
    message: string,
    readonly refunded: boolean,
    readonly generationId: string,
    readonly status: 'FAILED' | 'CANCELED' = 'FAILED',
  ) {
    super(message);
    this.name = 'GenerationFailedError';
  }
}

/** A fair-use limit (generations in progress, starts a minute, query budget) says wait. Nothing was charged. */
export class RateLimitedError extends StudioError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'RateLimitedError';
  }
}

/** The payment gateway could not make a payment page. The order was not charged: try again. */
export class PaymentUnavailableError extends StudioError {
  constructor(message = 'The payment service is not answering; nothing was charged. Try again in a moment.') {
    super(message);
    this.name = 'PaymentUnavailableError';
  }
}

/** The caller may not do this with the credential it used (an API key managing keys), or is at a limit. */
export class NotAllowedError extends StudioError {
  constructor(message: string) {
    super(message);
    this.name = 'NotAllowedError';
  }
}

/** What the generations_fair_use trigger raises (supabase/migrations): hint 'rate_limited', seconds in DETAIL. */
export function rateLimitFrom(error: unknown): RateLimitedError | null {
  if (typeof error !== 'object' || error === null) return null;
  // pg and PGlite errors carry `detail`; supabase-js's carry `details` and the raw text as `reason`.
  const e = error as { hint?: string | null; detail?: string | null; details?: string | null; message?: string; reason?: string };
  if (e.hint !== 'rate_limited') return null;
  const seconds = Number(e.detail ?? e.details);
  return new RateLimitedError(String(e.reason ?? e.message ?? 'Too many requests.'), Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 5);
}

/** A verified token whose user no longer exists (deleted from Supabase Auth before the token expired).
 *  Not a StudioError: it is an authentication failure, answered as UNAUTHENTICATED. */
export class UnknownUserError extends Error {
  constructor(readonly userId: string) {
    super('This account does not exist (any more): sign in again.');
    this.name = 'UnknownUserError';
  }
}

/** What the ledger functions raise for such a user (see ensure_profile in supabase/migrations). */
export const isUnknownUser = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { code?: string }).code === 'P0002' && (error as { hint?: string }).hint === 'unknown_user';

/** One item of a catalogue (an entry of `items`, or a row of the ZIP's catalog.csv) is refused, and
 *  with it the whole catalogue, before any coin moves. */
export class CatalogItemError extends StudioError {
  constructor(
    /** 1-based: the item's place in `items`, or the manifest's row (the header is row 1) */
    readonly row: number,
    readonly sku: string | null,
    readonly reason: string,
    /** where the row came from: 'items' or 'catalog.csv' */
    readonly source: 'items' | 'catalog.csv' = 'items',
  ) {
    super(`${source === 'items' ? `Item ${row}` : `catalog.csv row ${row}`}${sku ? ` (SKU ${sku})` : ''}: ${reason}`);
    this.name = 'CatalogItemError';
  }
}
