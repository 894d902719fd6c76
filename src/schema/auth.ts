// The one way a resolver asks who is calling.
import { GraphQLError } from 'graphql';
import type { Viewer } from '../adapters/auth/authenticator.js';
import type { Context } from '../context.js';

export function requireViewer(ctx: Context): Viewer {
  if (!ctx.viewer) {
    throw new GraphQLError('Sign in: send a valid access token as "Authorization: Bearer <token>".', {
      extensions: { code: 'UNAUTHENTICATED' },
    });
  }
  return ctx.viewer;
}
