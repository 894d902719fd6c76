// A local Supabase Auth key server: publishes `/auth/v1/.well-known/jwks.json` and signs access tokens
// shaped like the ones Supabase issues with asymmetric signing keys (ES256 by default, RS256 too).
// It can rotate its keys and misbehave (down, hanging, garbage) to test that verification fails closed.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

type Alg = 'ES256' | 'RS256';
type Mode = 'ok' | 'down' | 'hang' | 'garbage' | 'empty';

interface SigningKey {
  alg: Alg;
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export interface SignOptions {
  alg?: Alg;
  /** override the header's kid (a key the server never published, say) */
  kid?: string;
  /** seconds from now; negative for an already expired token */
  expiresIn?: number;
  /** drop these claims from the defaults */
  omit?: Array<'sub' | 'exp' | 'iss' | 'aud' | 'role'>;
}

export interface JwksFake {
  /** what SUPABASE_URL would be; the issuer is `${url}/auth/v1` */
  url: string;
  issuer: string;
  jwksUrl: string;
  /** how many times the key set was fetched */
  readonly fetches: number;
  sign(claims?: JWTPayload, options?: SignOptions): Promise<string>;
  /** a new current ES256 key (and RS256 key) with new kids; the old ones stay published unless dropOld */
  rotate(options?: { dropOld?: boolean }): Promise<{ kid: string }>;
  /** down: connections are reset; see setMode for hanging and garbage */
  setDown(down: boolean): void;
  setMode(mode: Mode): void;
  close(): Promise<void>;
}

async function makeKey(alg: Alg): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig', key_ops: ['verify'] } };
}

export async function startJwksFake(): Promise<JwksFake> {
  let current: Record<Alg, SigningKey> = { ES256: await makeKey('ES256'), RS256: await makeKey('RS256') };
  let published: SigningKey[] = [current.ES256, current.RS256];
  let mode: Mode = 'ok';
  let fetches = 0;
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== '/auth/v1/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches++;
    if (mode === 'down') {
      req.socket.destroy();
      return;
    }
    if (mode === 'hang') {
      hanging.add(res);
      return;
    }
    if (mode === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('<html>502 Bad Gateway</html>');
      return;
    }
    const keys = mode === 'empty' ? [] : published.map((k) => k.jwk);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=600' }).end(JSON.stringify({ keys }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${url}/auth/v1`;

  return {
    url,
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    async sign(claims = {}, options = {}) {
      const key = current[options.alg ?? 'ES256'];
      const now = Math.floor(Date.now() / 1000);
      const defaults: JWTPayload = {
        iss: issuer,
        aud: 'authenticated',
        role: 'authenticated',
        sub: randomUUID(),
        exp: now + (options.expiresIn ?? 3600),
        iat: now,
        aal: 'aal1',
        session_id: randomUUID(),
        is_anonymous: false,
      };
      for (const name of options.omit ?? []) delete defaults[name];
      return new SignJWT({ ...defaults, ...claims })
        .setProtectedHeader({ alg: key.alg, kid: options.kid ?? key.kid, typ: 'JWT' })
        .sign(key.privateKey);
    },
    async rotate(options = {}) {
      const next = { ES256: await makeKey('ES256'), RS256: await makeKey('RS256') };
      published = [next.ES256, next.RS256, ...(options.dropOld ? [] : published)];
      current = next;
      return { kid: next.ES256.kid };
    },
    setDown(down) {
      mode = down ? 'down' : 'ok';
    },
    setMode(next) {
      mode = next;
    },
    async close() {
      for (const res of hanging) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
