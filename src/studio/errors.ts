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
  ) {
    super(message);
    this.name = 'GenerationFailedError';
  }
}
