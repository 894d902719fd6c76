// How a bearer token becomes a user. Every failure, including an unreachable key server, is "not
// authenticated": callers see UNAUTHENTICATED, never a 500.
import { decodeJwt } from 'jose';

export interface Viewer {
  userId: string;
  /** set when the request came with one of the user's API keys (etl_…) rather than a session token */
  apiKeyId?: string;
}

export interface Authenticator {
  /** null when the token is missing, malformed, expired, of the wrong audience/role, or unverifiable */
  verify(token: string): Promise<Viewer | null>;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Remembers tokens that verified, until they expire or for `maxAgeMs` (so a key taken out of the key
 *  set stops working within that time), at most `maxEntries` of them. The same bytes verify the same
 *  way: a repeat skips the signature check, which was an eighth of a `me` request's CPU (issue 11).
 *  Refusals are not remembered, so random tokens cannot push out real ones. */
export function rememberVerified(
  inner: Authenticator,
  { maxEntries = 10_000, maxAgeMs = 60_000, now = Date.now }: { maxEntries?: number; maxAgeMs?: number; now?: () => number } = {},
): Authenticator {
  const verified = new Map<string, { viewer: Viewer; until: number }>();
  return {
    async verify(token) {
      const hit = verified.get(token);
      if (hit && now() < hit.until) return hit.viewer;
      if (hit) verified.delete(token);
      const viewer = await inner.verify(token);
      if (!viewer) return null;
      let exp: number | undefined;
      try {
        exp = decodeJwt(token).exp;
      } catch {
        return viewer;
      }
      if (typeof exp !== 'number') return viewer;
      if (verified.size >= maxEntries) verified.delete(verified.keys().next().value!);
      verified.set(token, { viewer, until: Math.min(exp * 1000, now() + maxAgeMs) });
      return viewer;
    },
  };
}
