// The signed-in seller and their coins.
import type { Viewer } from '../adapters/auth/authenticator.js';
import { InvalidInputError } from '../studio/errors.js';
import type { CoinEntry, Ordinal } from '../studio/ports.js';
import { requireViewer } from './auth.js';
import { builder } from './builder.js';
import { Generation } from './generation.js';

const CoinEntryRef = builder.objectRef<CoinEntry>('CoinEntry').implement({
  description: 'One movement of coins: the signup credit, a top-up, a generation or clip paid, or its refund.',
  fields: (t) => ({
    id: t.exposeID('id'),
    delta: t.exposeInt('delta', { description: 'Coins added (positive) or taken (negative)' }),
    kind: t.expose('kind', {
      type: builder.enumType('CoinEntryKind', {
        values: {
          SIGNUP: { value: 'signup', description: 'The welcome credit' },
          GRANT: { value: 'grant', description: 'Coins given by an operator (npm run coins -- grant)' },
          DEBIT: { value: 'debit', description: 'A generation or a clip paid for' },
          REFUND: { value: 'refund', description: 'A failed generation or clip paid back' },
          TOPUP: { value: 'topup', description: 'A package bought (a paid top-up order)' },
          TOPUP_REVERSAL: { value: 'topup_reversal', description: "A bought package's coins taken back after a refund or chargeback" },
        } as const,
      }),
    }),
    generationId: t.exposeID('generationId', { nullable: true }),
    topUpId: t.exposeID('topUpId', { nullable: true, description: 'The top-up order of a TOPUP or TOPUP_REVERSAL' }),
    videoId: t.exposeID('videoId', { nullable: true, description: 'The clip a DEBIT or REFUND was for' }),
    reason: t.exposeString('reason', { nullable: true }),
    balanceAfter: t.exposeInt('balanceAfter'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const MAX_PAGE = 100;

// Opaque to clients, per user: the row's place among the seller's own rows, nothing global.
const encodeCursor = (kind: string, ordinal: number) => Buffer.from(`${kind}:${ordinal}`).toString('base64url');
function decodeCursor(kind: string, cursor: string | null | undefined): number | undefined {
  if (cursor == null) return undefined;
  const match = new RegExp(`^${kind}:(\\d{1,15})$`).exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new InvalidInputError('after', 'after must be an endCursor from this list.');
  return Number(match[1]);
}

interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** A forward Relay page (newest first) over a ledger list that pages by ordinal. */
export async function page<T>(kind: string, args: PageArgs, list: (limit: number, before?: number) => Promise<Array<Ordinal<T>>>) {
  if (args.last != null || args.before != null) throw new InvalidInputError('last', 'Page forward with first and after.');
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw new InvalidInputError('first', `first must be between 1 and ${MAX_PAGE}.`);
  const rows = await list(first + 1, decodeCursor(kind, args.after));
  const edges = rows.slice(0, first).map((row) => ({ cursor: encodeCursor(kind, row.ordinal), node: row.node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: args.after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** The caller whose profile exists: `me` creates it (with the signup credit) before any field resolves,
 *  so the balance and the history are read from the same, existing profile. */
export type SignedIn = Viewer & { balance: number };

export const ViewerRef = builder.objectRef<SignedIn>('Viewer').implement({
  fields: (t) => ({
    id: t.exposeID('userId'),
    coinsBalance: t.exposeInt('balance'),
    generations: t.connection({
      type: Generation,
      description: 'Your generations, newest first (a Relay connection: first ≤ 100, then after = pageInfo.endCursor).',
      resolve: (v, args, ctx) => page('g', args, (limit, before) => ctx.services.ledger.generations(v.userId, limit, before)),
    }),
    coinHistory: t.connection({
      type: CoinEntryRef,
      description: 'Your coin movements, newest first (a Relay connection, like generations).',
      resolve: (v, args, ctx) => page('c', args, (limit, before) => ctx.services.ledger.coinHistory(v.userId, limit, before)),
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
