// A backend's API key (`Authorization: Bearer etl_…`) authenticates as its owner, beside the session
// tokens of the configured Authenticator. Anything shaped like a key never reaches the token verifier,
// and a key that is malformed, unknown or revoked is refused like a bad token (UNAUTHENTICATED).
// Keys are not remembered between requests: a revoked key stops working at once.
import type { Authenticator, Viewer } from './authenticator.js';

export function withApiKeys(inner: Authenticator, keys: { verify(secret: string): Promise<Viewer | null> }): Authenticator {
  return {
    async verify(token) {
      if (!token.startsWith('etl_')) return inner.verify(token);
      try {
        return await keys.verify(token);
      } catch {
        // The database is unreachable: not authenticated, never a 500 (like an unreachable key server).
        return null;
      }
    },
  };
}
