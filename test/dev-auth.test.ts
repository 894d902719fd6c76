// Development tokens: HS256 with a secret made once in DATA_DIR, carrying Supabase's claims.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rememberVerified, UUID, type Authenticator } from '../src/adapters/auth/authenticator.js';
import { createDevAuthenticator, loadDevSecret, signDevToken, userIdFor } from '../src/adapters/auth/dev.js';

describe('dev authenticator', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'etalase-dev-auth-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('makes the secret once in DATA_DIR (0600) and reads the same one afterwards', async () => {
    const dir = path.join(root, 'once', 'nested');
    const first = await loadDevSecret(dir);
    expect(first.length).toBe(32);
    const file = path.join(dir, 'dev-jwt-secret');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const onDisk = await readFile(file, 'utf8');
    expect(Buffer.from(await loadDevSecret(dir))).toEqual(Buffer.from(first));
    expect(await readFile(file, 'utf8')).toBe(onDisk);
  });

  it('processes starting together agree on one secret', async () => {
    const dir = path.join(root, 'race');
    const secrets = await Promise.all(Array.from({ length: 8 }, () => loadDevSecret(dir)));
    expect(new Set(secrets.map((s) => Buffer.from(s).toString('hex'))).size).toBe(1);
  });

  it('a token round-trips to the same user; a name always maps to the same UUID', async () => {
    const secret = await loadDevSecret(path.join(root, 'roundtrip'));
    const auth = createDevAuthenticator(secret);
    const alice = userIdFor('alice');
    expect(alice).toMatch(UUID);
    expect(userIdFor('alice')).toBe(alice);
    expect(userIdFor('bob')).not.toBe(alice);
    expect(await auth.verify(await signDevToken(secret, 'alice'))).toEqual({ userId: alice });
    expect(await auth.verify(await signDevToken(secret, 'alice'))).toEqual({ userId: alice });
    const uuid = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11';
    expect(await auth.verify(await signDevToken(secret, uuid))).toEqual({ userId: uuid.toLowerCase() });
  });

  it('refuses a token signed with another secret, an expired one, a wrong role and garbage', async () => {
    const secret = await loadDevSecret(path.join(root, 'refuse'));
    const auth = createDevAuthenticator(secret);
    expect(await auth.verify(await signDevToken(randomBytes(32), 'alice'))).toBeNull();
    const claims = (over: Record<string, unknown>, exp: number) =>
      new SignJWT({ role: 'authenticated', ...over })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userIdFor('alice'))
        .setIssuer('etalase-dev')
        .setAudience('authenticated')
        .setExpirationTime(exp)
        .sign(secret);
    const now = Math.floor(Date.now() / 1000);
    expect(await auth.verify(await claims({}, now + 60))).toEqual({ userId: userIdFor('alice') });
    expect(await auth.verify(await claims({}, now - 60))).toBeNull();
    expect(await auth.verify(await claims({ role: 'service_role' }, now + 60))).toBeNull();
    for (const junk of ['', 'x', 'a.b.c']) expect(await auth.verify(junk)).toBeNull();
  });
});

describe('remembered verifications', () => {
  const secret = randomBytes(32);
  const real = createDevAuthenticator(secret);
  /** the real dev authenticator, counting the signature checks it makes */
  const counted = () => {
    const state = { checks: 0 };
    const inner: Authenticator = { verify: (token) => (state.checks++, real.verify(token)) };
    return { state, inner };
  };

  it('checks a token once, then answers from memory, and the same user either way', async () => {
    const { state, inner } = counted();
    const auth = rememberVerified(inner);
    const token = await signDevToken(secret, 'alice');
    const first = await auth.verify(token);
    expect(await auth.verify(token)).toEqual(first);
    expect(first).toEqual({ userId: userIdFor('alice') });
    expect(state.checks).toBe(1);
  });

  it('never outlives the token, and looks again after maxAgeMs', async () => {
    let clock = Date.now();
    const { state, inner } = counted();
    const auth = rememberVerified(inner, { maxAgeMs: 1000, now: () => clock });
    const token = await signDevToken(secret, 'bob', 60);
    await auth.verify(token);
    clock += 1500;
    await auth.verify(token);
    expect(state.checks).toBe(2);
    // Past its exp the cache does not answer: the real check runs (and jose, on the real clock, still
    // accepts it here; the point is that the remembered answer was not used).
    clock += 120_000;
    await auth.verify(token);
    expect(state.checks).toBe(3);
  });

  it('does not remember refusals, and keeps at most maxEntries', async () => {
    const { state, inner } = counted();
    const auth = rememberVerified(inner, { maxEntries: 2 });
    expect(await auth.verify('not-a-token')).toBeNull();
    expect(await auth.verify('not-a-token')).toBeNull();
    expect(state.checks).toBe(2);
    const tokens = await Promise.all(['c', 'd', 'e'].map((u) => signDevToken(secret, u)));
    for (const t of tokens) await auth.verify(t);
    await auth.verify(tokens[0]!); // pushed out by the third: checked again
    expect(state.checks).toBe(2 + 3 + 1);
  });
});
