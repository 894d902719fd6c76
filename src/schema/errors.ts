// Expected failures as schema types: every one implements `Error { message }`, so a client can ask
// `... on Error { message }` and add fragments for the details it cares about.
import {
  GenerationFailedError,
  InsufficientCoinsError,
  InvalidImageError,
  InvalidInputError,
  NotAllowedError,
  PaymentUnavailableError,
  RateLimitedError,
  StudioError,
} from '../studio/errors.js';
import { builder } from './builder.js';
import { ImageSlotEnum } from './enums.js';

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'An expected failure: nothing was charged unless the error says otherwise.',
  fields: (t) => ({ message: t.exposeString('message') }),
});

builder.objectType(StudioError, {
  name: 'BaseError',
  interfaces: [ErrorInterface],
});

builder.objectType(InsufficientCoinsError, {
  name: 'InsufficientCoinsError',
  description: 'The balance does not cover the price. Nothing was charged.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    required: t.exposeInt('required'),
    balance: t.exposeInt('balance'),
  }),
});

builder.objectType(InvalidImageError, {
  name: 'InvalidImageError',
  description: 'An uploaded file is not an acceptable photo. Nothing was charged.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    slot: t.expose('slot', { type: ImageSlotEnum }),
    reason: t.exposeString('reason'),
  }),
});

builder.objectType(InvalidInputError, {
  name: 'InvalidInputError',
  description: 'An input value is missing, out of range or contradicts another. Nothing was charged.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ field: t.exposeString('field') }),
});

builder.objectType(GenerationFailedError, {
  name: 'GenerationFailedError',
  description: 'The images could not be made. `refunded` says whether the coins went back (they always do, at the latest once the generation deadline has passed).',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    refunded: t.exposeBoolean('refunded'),
    generationId: t.exposeID('generationId'),
  }),
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description:
    'A fair-use limit: too many generations in progress or started this minute. Nothing was charged; try again after retryAfterSeconds.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

builder.objectType(PaymentUnavailableError, {
  name: 'PaymentUnavailableError',
  description: 'The payment service did not make a payment page. Nothing was charged; try again.',
  interfaces: [ErrorInterface],
});

builder.objectType(NotAllowedError, {
  name: 'NotAllowedError',
  description: 'Not allowed with this credential (an API key cannot manage API keys), or a limit on how many you may have.',
  interfaces: [ErrorInterface],
});

/** The typed errors of generateImages, most specific first. */
export const GENERATE_ERRORS = [
  RateLimitedError,
  InsufficientCoinsError,
  InvalidImageError,
  InvalidInputError,
  GenerationFailedError,
  StudioError,
];
