// The signed-in seller and their coins.
import { GraphQLError } from 'graphql';
import type { Viewer } from '../adapters/auth/authenticator.js';
import type { Context } from '../context.js';
import { builder } from './builder.js';

export function requireViewer(ctx: Context): Viewer {
  if (!ctx.viewer) {
    throw new GraphQLError('Sign in: send a valid access token as "Authorization: Bearer <token>".', {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
  }
  return ctx.viewer;
}

const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
  fields: (t) => ({
    id: t.exposeID('userId'),
    coinsBalance: t.int({ resolve: (v, _, ctx) => ctx.services.ledger.ensureProfile(v.userId) }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: ViewerRef,
    description: 'The caller. Fails with UNAUTHENTICATED without a valid token.',
    resolve: (_, __, ctx) => requireViewer(ctx),
  }),
);
