// POST /dev/token {"name": "alice"} → {"token", "userId"}: the studio page's and the example CLI's
// sign-in under AUTH=dev, the HTTP twin of `npm run dev-token`. It exists only when the server itself
// runs dev auth (a name is the whole identity there); any other auth gets no route at all, so a
// production gate only has to decide whether to call this function.
import { loadDevSecret, signDevToken, userIdFor } from '../adapters/auth/dev.js';
import type { Config } from '../config.js';

export const DEV_TOKEN_PATH = '/dev/token';
const MAX_NAME = 64;

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers },
  });

export type DevTokenRoute = (request: Request) => Promise<Response>;

/** The handler for DEV_TOKEN_PATH, or null unless the server runs AUTH=dev outside production: a
 *  production server started with ALLOW_DEV_AUTH=true still hands out no tokens to strangers. */
export function devTokenRoute(config: Config): DevTokenRoute | null {
  if (config.auth.kind !== 'dev' || config.production) return null;
  let secret: Promise<Uint8Array> | null = null;
  return async (request) => {
    // GET says the route exists: the page shows its name field only then.
    if (request.method === 'GET' || request.method === 'HEAD') return json({ devAuth: true, usage: 'POST {"name": "alice"}' });
    if (request.method !== 'POST') return json({ error: 'Use POST.' }, 405, { allow: 'GET, HEAD, POST' });
    // JSON only: a cross-site HTML form cannot send it, and a script has to pass a CORS preflight.
    if (!/^application\/json\b/i.test(request.headers.get('content-type') ?? '')) {
      return json({ error: 'Send JSON: {"name": "alice"}.' }, 415);
    }
    const body = (await request.json().catch(() => null)) as { name?: unknown } | null;
    const name = typeof body?.name === 'string' ? body.name.trim() : '';
    if (!name || name.length > MAX_NAME) return json({ error: `name: 1–${MAX_NAME} characters.` }, 400);
    secret ??= loadDevSecret(config.dataDir);
    return json({ token: await signDevToken(await secret, name), userId: userIdFor(name) });
  };
}
