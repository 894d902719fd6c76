// Buying coins: the packages on sale, a top-up order, createTopUp and the seller's orders.
import { z } from 'zod';
import { InvalidInputError, PaymentUnavailableError, RateLimitedError, StudioError } from '../studio/errors.js';
import type { TopUpRecord } from '../studio/ports.js';
import type { TopUpPackage } from '../studio/topups.js';
import { requireViewer } from './auth.js';
import { builder } from './builder.js';
import { page, ViewerRef } from './viewer.js';

const TopUpStatusEnum = builder.enumType('TopUpStatus', {
  description: 'Moves only forward, PENDING → EXPIRED → FAILED → PAID → REFUNDED: a late, repeated or reordered notification changes nothing.',
  values: {
    PENDING: { description: 'Waiting for the payment (or the gateway’s decision)' },
    EXPIRED: { description: 'Not paid in time; no coins' },
    FAILED: { description: 'Declined, cancelled or failed; no coins' },
    PAID: { description: 'Paid: the coins were credited, once' },
    REFUNDED: { description: 'Refunded or charged back: the coins were taken back, as far as the balance allowed' },
  } as const,
});

const TopUpPackageRef = builder.objectRef<TopUpPackage>('TopUpPackage').implement({
  description: 'A package of coins on sale (TOPUP_PACKAGES).',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'What createTopUp takes as package' }),
    coins: t.exposeInt('coins'),
    price: t.exposeInt('price', { description: 'Whole rupiah' }),
    currency: t.string({ resolve: () => 'IDR' }),
  }),
});

export const TopUp = builder.objectRef<TopUpRecord>('TopUp').implement({
  description: 'An order of a coin package, paid through the payment gateway.',
  fields: (t) => ({
    id: t.exposeID('id', { description: "The gateway's order_id" }),
    package: t.exposeString('package'),
    status: t.expose('status', { type: TopUpStatusEnum }),
    coins: t.exposeInt('coins'),
    price: t.exposeInt('price', { description: 'Whole rupiah' }),
    currency: t.exposeString('currency'),
    redirectUrl: t.exposeString('redirectUrl', { nullable: true, description: "The gateway's payment page for this order" }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    paidAt: t.expose('paidAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryField('topUpPackages', (t) =>
  t.field({
    type: [TopUpPackageRef],
    description: 'The coin packages on sale (public).',
    resolve: (_, __, ctx) => ctx.services.topUps.packages(),
  }),
);

builder.objectField(ViewerRef, 'topUps', (t) =>
  t.connection({
    type: TopUp,
    description: 'Your top-up orders, newest first (a Relay connection, like generations).',
    resolve: (v, args, ctx) => page('t', args, (limit, before) => ctx.services.topUps.history(v.userId, limit, before)),
  }),
);

const CreateTopUpInput = builder.inputType('CreateTopUpInput', {
  fields: (t) => ({
    package: t.string({ required: true, description: 'A TopUpPackage name', validate: z.string().min(1).max(40) }),
  }),
});

const CreateTopUpSuccess = builder.objectRef<{ topUp: TopUpRecord; paymentToken: string }>('CreateTopUpSuccess').implement({
  description: 'The order is PENDING: pay it at topUp.redirectUrl (or with paymentToken in Snap’s snap.pay). Coins arrive when the gateway says it is paid.',
  fields: (t) => ({
    topUp: t.field({ type: TopUp, resolve: (s) => s.topUp }),
    paymentToken: t.exposeString('paymentToken', { description: "The gateway's token for its in-page widget (Midtrans Snap)" }),
  }),
});

builder.mutationField('createTopUp', (t) =>
  t.field({
    type: CreateTopUpSuccess,
    description: 'Orders a coin package and returns its payment page. Nothing is charged until it is paid there.',
    errors: {
      types: [RateLimitedError, InvalidInputError, PaymentUnavailableError, StudioError],
      directResult: true,
      union: { name: 'CreateTopUpResult' },
    },
    args: { input: t.arg({ type: CreateTopUpInput, required: true }) },
    resolve: async (_, { input }, ctx) => {
      const { topUp, session } = await ctx.services.topUps.create(requireViewer(ctx).userId, input.package);
      return { topUp, paymentToken: session.token };
    },
  }),
);
