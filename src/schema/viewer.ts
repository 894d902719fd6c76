// The signed-in seller and their coins.
import { z } from 'zod';
import type { Viewer } from '../adapters/auth/authenticator.js';
import type { CoinEntry } from '../studio/ports.js';
import { requireViewer } from './auth.js';
import { builder } from './builder.js';
import { Generation } from './generation.js';

const CoinEntryRef = builder.objectRef<CoinEntry>('CoinEntry').implement({
  description: 'One movement of coins: the signup credit, a top-up, a generation paid, or its refund.',
  fields: (t) => ({
    id: t.exposeID('id'),
    delta: t.exposeInt('delta', { description: 'Coins added (positive) or taken (negative)' }),
    kind: t.expose('kind', {
      type: builder.enumType('CoinEntryKind', {
        values: {
          SIGNUP: { value: 'signup', description: 'The welcome credit' },
          GRANT: { value: 'grant', description: 'A top-up' },
          DEBIT: { value: 'debit', description: 'A generation paid for' },
          REFUND: { value: 'refund', description: 'A failed generation paid back' },
        } as const,
      }),
    }),
    generationId: t.exposeID('generationId', { nullable: true }),
    reason: t.exposeString('reason', { nullable: true }),
    balanceAfter: t.exposeInt('balanceAfter'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const page = z.number().int().min(1).max(100);

/** The caller whose profile exists: `me` creates it (with the signup credit) before any field resolves,
 *  so the balance and the history are read from the same, existing profile. */
type SignedIn = Viewer & { balance: number };

const ViewerRef = builder.objectRef<SignedIn>('Viewer').implement({
  fields: (t) => ({
    id: t.exposeID('userId'),
    coinsBalance: t.exposeInt('balance'),
    generations: t.field({
      type: [Generation],
      description: "Your generations, newest first. Page back with `before` = the last one's `cursor`.",
      args: {
        first: t.arg.int({ defaultValue: 20, validate: page }),
        before: t.arg.string({ validate: z.string().regex(/^\d{1,18}$/, 'before must be a generation cursor') }),
      },
      resolve: (v, { first, before }, ctx) => ctx.services.ledger.generations(v.userId, first ?? 20, before ?? undefined),
    }),
    coinHistory: t.field({
      type: [CoinEntryRef],
      description: 'Your coin movements, newest first.',
      args: { first: t.arg.int({ defaultValue: 20, validate: page }) },
      resolve: (v, { first }, ctx) => ctx.services.ledger.coinHistory(v.userId, first ?? 20),
    }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: ViewerRef,
    description: 'The caller. Fails with UNAUTHENTICATED without a valid token.',
    resolve: async (_, __, ctx) => {
      const viewer = requireViewer(ctx);
      return { ...viewer, balance: await ctx.services.ledger.ensureProfile(viewer.userId) };
    },
  }),
);
