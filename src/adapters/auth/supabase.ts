// Supabase Auth access tokens, verified here rather than by calling Supabase: asymmetric tokens
// (ES256/RS256) against the project's published key set, legacy HS256 tokens with the JWT secret.
// supabase-js's getClaims() checks neither issuer, audience nor role, and the project's anon and
// service_role keys are themselves valid JWTs: both must be refused as user tokens.
import { createSecretKey } from 'node:crypto';
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { Config } from '../../config.js';
import { UUID, type Authenticator } from './authenticator.js';

export type SupabaseAuthConfig = Extract<Config['auth'], { kind: 'supabase' }>;

export interface SupabaseAuthDeps {
  fetch?: typeof fetch;
  jwks?: {
    /** how long a fetched key set is trusted; default 10 min */
    cacheMaxAgeMs?: number;
    /** minimum wait between re-fetches on an unknown kid; default 30 s */
    cooldownMs?: number;
    /** a key server slower than this counts as down; default 3 s */
    timeoutMs?: number;
  };
  /** told when the key server is unreachable or answers nonsense (not when a token is merely bad) */
  onKeyServerError?: (error: unknown) => void;
}

const AUDIENCE = 'authenticated';
const ASYMMETRIC = ['ES256', 'RS256'];
// Small clock skew between this server and Supabase Auth should not reject fresh tokens.
const CLOCK_TOLERANCE_S = 5;

export function createSupabaseAuthenticator(config: SupabaseAuthConfig, deps: SupabaseAuthDeps = {}): Authenticator {
  const jwks = createRemoteJWKSet(new URL(`${config.url}/auth/v1/.well-known/jwks.json`), {
    cacheMaxAge: deps.jwks?.cacheMaxAgeMs ?? 10 * 60_000,
    cooldownDuration: deps.jwks?.cooldownMs ?? 30_000,
    timeoutDuration: deps.jwks?.timeoutMs ?? 3_000,
    ...(deps.fetch ? { [customFetch]: deps.fetch } : {}),
  });
  // A KeyObject once, not raw bytes: jose would import the raw key into WebCrypto on every request.
  const secret = config.jwtSecret ? createSecretKey(new TextEncoder().encode(config.jwtSecret)) : null;
  const rejected = new Set(config.rejectKeys);
  const options = { issuer: config.issuer, audience: AUDIENCE, requiredClaims: ['exp', 'sub'], clockTolerance: CLOCK_TOLERANCE_S };

  async function verifySignature(token: string, alg: string | undefined): Promise<JWTPayload | null> {
    if (alg === 'HS256') {
      // Without the legacy secret there is nothing to check an HS256 token against: refuse it.
      if (!secret) return null;
      return (await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload;
    }
    if (alg && ASYMMETRIC.includes(alg)) return (await jwtVerify(token, jwks, { ...options, algorithms: ASYMMETRIC })).payload;
    return null;
  }

  return {
    async verify(token) {
      if (!token || rejected.has(token)) return null;
      let alg: string | undefined;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        return null; // not a JWT at all
      }
      try {
        const payload = await verifySignature(token, alg);
        if (!payload || payload.role !== 'authenticated' || !UUID.test(payload.sub ?? '')) return null;
        // Anonymous sign-ins would each collect the signup coins: a free-coin farm. Sellers sign in.
        if (payload.is_anonymous === true) return null;
        return { userId: payload.sub!.toLowerCase() };
      } catch (error) {
        if (isKeyServerError(error)) deps.onKeyServerError?.(error);
        return null;
      }
    },
  };
}

function isKeyServerError(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  // jose throws its generic JOSEError only for a non-200 or non-JSON key set response; token
  // problems have their own subclasses. Anything not from jose is the fetch failing (refused, reset).
  if (error instanceof errors.JOSEError) return error.code === errors.JOSEError.code;
  return true;
}
