// Expected failures: the GraphQL layer turns each into a typed error in the schema. Anything else is
// a bug or an outage and is masked by Yoga.
import type { Slot } from './ports.js';

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
