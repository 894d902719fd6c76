// Development tokens: HS256, signed with a secret generated once into DATA_DIR. They carry the same
// claims a Supabase access token does, so switching AUTH=supabase changes nothing downstream.
import { createHash, createSecretKey } from 'node:crypto';
import { loadOrCreateSecret } from '../secret-file.js';
import { jwtVerify, SignJWT } from 'jose';
import { UUID, type Authenticator } from './authenticator.js';

const ISSUER = 'etalase-dev';
const AUDIENCE = 'authenticated';

export const loadDevSecret = (dataDir: string): Promise<Uint8Array> => loadOrCreateSecret(dataDir, 'dev-jwt-secret');

/** A name always maps to the same UUID (v5-like, from SHA-256), so `--user alice` is stable. */
export function userIdFor(name: string): string {
  if (UUID.test(name)) return name.toLowerCase();
  const h = createHash('sha256').update(`etalase-dev-user:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function signDevToken(secret: Uint8Array, user: string, ttlSeconds = 7 * 24 * 3600): Promise<string> {
  return new SignJWT({ role: 'authenticated' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userIdFor(user))
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(secret);
}

export function createDevAuthenticator(secret: Uint8Array): Authenticator {
  // A KeyObject once, not raw bytes: jose would import the raw key into WebCrypto on every request.
  const key = createSecretKey(secret);
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          issuer: ISSUER,
          audience: AUDIENCE,
          requiredClaims: ['exp', 'sub'],
        });
        if (payload.role !== 'authenticated' || !UUID.test(payload.sub ?? '')) return null;
        return { userId: payload.sub!.toLowerCase() };
      } catch {
        return null;
      }
    },
  };
}
