// Supabase access tokens verified locally: asymmetric keys from a JWKS server (a local fake), legacy
// HS256 with the JWT secret. Everything that is not a fresh user token of this project is refused, and
// a key server that is down, hanging or talking nonsense means "not authenticated", never an error.
import { randomUUID } from 'node:crypto';
import { errors, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSupabaseAuthenticator, type SupabaseAuthConfig, type SupabaseAuthDeps } from '../src/adapters/auth/supabase.js';
import { startJwksFake, type JwksFake } from './fakes/jwks.js';

const SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
const hs256 = (claims: JWTPayload, secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
const now = () => Math.floor(Date.now() / 1000);

describe('Supabase authenticator', () => {
  let jwks: JwksFake;
  let anonKey: string;
  let serviceRoleKey: string;
  let config: SupabaseAuthConfig;
  const make = (deps: SupabaseAuthDeps = {}, over: Partial<SupabaseAuthConfig> = {}) =>
    createSupabaseAuthenticator({ ...config, ...over }, deps);

  beforeAll(async () => {
    jwks = await startJwksFake();
    // Supabase's legacy API keys: HS256 JWTs with iss "supabase" and no subject.
    anonKey = await hs256({ iss: 'supabase', ref: 'project', role: 'anon', iat: now(), exp: now() + 3600 });
    serviceRoleKey = await hs256({ iss: 'supabase', ref: 'project', role: 'service_role', iat: now(), exp: now() + 3600 });
    config = { kind: 'supabase', url: jwks.url, issuer: jwks.issuer, jwtSecret: SECRET, rejectKeys: [anonKey, serviceRoleKey] };
  });
  afterAll(async () => {
    await jwks?.close();
  });

  it('accepts an ES256 token from the key set, and an RS256 one', async () => {
    const auth = make();
    const sub = randomUUID();
    expect(await auth.verify(await jwks.sign({ sub }))).toEqual({ userId: sub });
    expect(await auth.verify(await jwks.sign({ sub }, { alg: 'RS256' }))).toEqual({ userId: sub });
  });

  it('caches the key set: many verifications, one fetch', async () => {
    const before = jwks.fetches;
    const auth = make();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => jwks.sign()));
    const viewers = await Promise.all(tokens.map((t) => auth.verify(t)));
    expect(viewers.every((v) => v !== null)).toBe(true);
    expect(jwks.fetches - before).toBe(1);
  });

  it('accepts a legacy HS256 token signed with the JWT secret, and only with a secret configured', async () => {
    const sub = randomUUID();
    const token = await hs256({ iss: jwks.issuer, aud: 'authenticated', role: 'authenticated', sub, exp: now() + 600 });
    expect(await make().verify(token)).toEqual({ userId: sub });
    expect(await make({}, { jwtSecret: undefined }).verify(token)).toBeNull();
    const otherSecret = await hs256({ iss: jwks.issuer, aud: 'authenticated', role: 'authenticated', sub, exp: now() + 600 }, 'x'.repeat(40));
    expect(await make().verify(otherSecret)).toBeNull();
  });

  it.each([
    ['expired', () => jwks.sign({}, { expiresIn: -60 })],
    ['wrong issuer', () => jwks.sign({ iss: 'https://other.supabase.co/auth/v1' })],
    ['wrong audience', () => jwks.sign({ aud: 'service' })],
    ['role anon', () => jwks.sign({ role: 'anon' })],
    ['role service_role', () => jwks.sign({ role: 'service_role' })],
    ['no role', () => jwks.sign({}, { omit: ['role'] })],
    ['missing sub', () => jwks.sign({}, { omit: ['sub'] })],
    ['non-UUID sub', () => jwks.sign({ sub: 'admin' })],
    ['missing exp', () => jwks.sign({}, { omit: ['exp'] })],
    ['unknown kid', () => jwks.sign({}, { kid: 'not-published' })],
    ['HS256 service-role-shaped user token', () => hs256({ iss: jwks.issuer, aud: 'authenticated', role: 'service_role', sub: randomUUID(), exp: now() + 600 })],
  ])('refuses a token: %s', async (_name, token) => {
    expect(await make().verify(await token())).toBeNull();
  });

  it('refuses the anon and service_role keys themselves, and any token listed in rejectKeys', async () => {
    const auth = make();
    expect(await auth.verify(anonKey)).toBeNull();
    expect(await auth.verify(serviceRoleKey)).toBeNull();
    const valid = await jwks.sign();
    expect(await make({}, { rejectKeys: [valid] }).verify(valid)).toBeNull();
  });

  it('refuses tampered tokens, alg none and garbage', async () => {
    const auth = make();
    const [header, payload, signature] = (await jwks.sign()).split('.') as [string, string, string];
    const mid = Math.floor(signature.length / 2);
    const flipped = signature.slice(0, mid) + (signature[mid] === 'A' ? 'B' : 'A') + signature.slice(mid + 1);
    expect(await auth.verify(`${header}.${payload}.${flipped}`)).toBeNull();
    const otherPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: randomUUID() })).toString('base64url');
    expect(await auth.verify(`${header}.${otherPayload}.${signature}`)).toBeNull();
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    expect(await auth.verify(none)).toBeNull();
    for (const junk of ['', 'not-a-jwt', 'a.b.c', 'Bearer x']) expect(await auth.verify(junk)).toBeNull();
  });

  describe('when the key server misbehaves', () => {
    let bad: JwksFake;
    beforeAll(async () => {
      bad = await startJwksFake();
    });
    afterAll(async () => {
      bad.setMode('ok');
      await bad?.close();
    });
    const authFor = (deps: SupabaseAuthDeps = {}) =>
      createSupabaseAuthenticator({ kind: 'supabase', url: bad.url, issuer: bad.issuer, rejectKeys: [] }, deps);

    it('down (connection reset): null, reported, and recovers when it is back', async () => {
      const onKeyServerError = vi.fn();
      const auth = authFor({ onKeyServerError });
      const token = await bad.sign();
      bad.setDown(true);
      expect(await auth.verify(token)).toBeNull();
      expect(onKeyServerError).toHaveBeenCalled();
      // A reset is a failure at once, not one waited out until the key-set timeout.
      expect(onKeyServerError.mock.calls.map(([error]) => error instanceof errors.JWKSTimeout)).not.toContain(true);
      bad.setDown(false);
      expect(await auth.verify(token)).not.toBeNull();
    });

    it('hanging: null once the key-set request times out (3 s by default), reported as a timeout, without throwing', async () => {
      bad.setMode('hang');
      const onKeyServerError = vi.fn();
      await expect(authFor({ onKeyServerError }).verify(await bad.sign())).resolves.toBeNull();
      expect(onKeyServerError).toHaveBeenCalledWith(expect.any(errors.JWKSTimeout));
      bad.setMode('ok');
    });

    it('garbage or an empty key set: null, and garbage is reported', async () => {
      bad.setMode('garbage');
      const onKeyServerError = vi.fn();
      expect(await authFor({ onKeyServerError }).verify(await bad.sign())).toBeNull();
      expect(onKeyServerError).toHaveBeenCalled();
      bad.setMode('empty');
      expect(await authFor().verify(await bad.sign())).toBeNull();
      bad.setMode('ok');
    });

    it('a bad token is not reported as a key server problem', async () => {
      const onKeyServerError = vi.fn();
      const auth = authFor({ onKeyServerError });
      expect(await auth.verify(await bad.sign({ aud: 'nope' }))).toBeNull();
      expect(await auth.verify('not-a-jwt')).toBeNull();
      expect(onKeyServerError).not.toHaveBeenCalled();
    });

    it('a rotated key (new kid) is fetched once the cooldown has passed, and only then', async () => {
      const auth = authFor({ jwks: { cooldownMs: 100 } });
      expect(await auth.verify(await bad.sign())).not.toBeNull();
      const before = bad.fetches;
      const { kid } = await bad.rotate();
      const token = await bad.sign();
      expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid).toBe(kid);
      // Tried until accepted: within the cooldown the unknown kid is refused without a fetch, after it
      // the key set is fetched once and the token accepted.
      await vi.waitFor(async () => expect(await auth.verify(token)).not.toBeNull(), { timeout: 10_000, interval: 20 });
      expect(bad.fetches).toBe(before + 1);
    });
  });
});
