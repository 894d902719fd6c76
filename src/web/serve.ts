// Serves the studio page: `/` (the HTML), `/studio/*` (its script, bundled from page/ by esbuild on
// the first request and kept in memory, its CSS and icon) and, under AUTH=dev, the dev-token route.
// Everything comes from this server, so the Content-Security-Policy allows 'self' and nothing else
// (plus blob: for the upload previews and the media origin when PUBLIC_URL names another host).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import type { Logger } from '../studio/ports.js';
import { DEV_TOKEN_PATH, devTokenRoute } from './dev-token.js';

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));

interface Asset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
}

const asset = (body: Uint8Array<ArrayBuffer>, type: string): Asset => ({
  body,
  type,
  etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
});

async function bundleScript(): Promise<Asset> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [`${PAGE_DIR}main.ts`],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    charset: 'utf8',
    logLevel: 'silent',
  });
  return asset(new Uint8Array(result.outputFiles[0]!.contents), 'text/javascript; charset=utf-8');
}

const fileAsset = (name: string, type: string) => async () => asset(await readFile(`${PAGE_DIR}${name}`), type);

const ASSETS: Record<string, () => Promise<Asset>> = {
  '/': fileAsset('index.html', 'text/html; charset=utf-8'),
  '/studio/app.js': bundleScript,
  '/studio/studio.css': fileAsset('studio.css', 'text/css; charset=utf-8'),
  '/studio/icon.svg': fileAsset('icon.svg', 'image/svg+xml'),
};

export function contentSecurityPolicy(config: Config): string {
  const media = new URL(config.publicUrl).origin;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' blob: ${media}`,
    `media-src 'self' ${media}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export interface WebRoutes {
  /** the response for a studio path, or null to let the request through to Yoga */
  handle(request: Request, url: URL): Promise<Response | null>;
}

export function createWebRoutes(config: Config, log: Logger): WebRoutes {
  const csp = contentSecurityPolicy(config);
  const devToken = devTokenRoute(config);
  const cache = new Map<string, Promise<Asset>>();
  const load = (pathname: string) => {
    let loading = cache.get(pathname);
    if (!loading) {
      loading = ASSETS[pathname]!();
      // A failed build is retried on the next request instead of being served forever.
      loading.catch(() => cache.delete(pathname));
      cache.set(pathname, loading);
    }
    return loading;
  };
  const headers = (extra: Record<string, string>) => ({
    'x-content-type-options': 'nosniff',
    'content-security-policy': csp,
    'referrer-policy': 'no-referrer',
    // Unhashed names: the browser revalidates each time and gets a 304 while nothing changed.
    'cache-control': 'no-cache',
    ...extra,
  });

  return {
    async handle(request, url) {
      if (url.pathname === DEV_TOKEN_PATH) return devToken ? devToken(request) : null;
      if (!Object.hasOwn(ASSETS, url.pathname)) return null;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return new Response('Method not allowed', { status: 405, headers: headers({ allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }) });
      }
      let found: Asset;
      try {
        found = await load(url.pathname);
      } catch (error) {
        log.error('studio page asset failed', { path: url.pathname, error: String(error) });
        return new Response('The studio page could not be built; see the server log.', {
          status: 500,
          headers: headers({ 'content-type': 'text/plain; charset=utf-8' }),
        });
      }
      if (request.headers.get('if-none-match') === found.etag) return new Response(null, { status: 304, headers: headers({ etag: found.etag }) });
      return new Response(request.method === 'HEAD' ? null : found.body, {
        status: 200,
        headers: headers({ 'content-type': found.type, 'content-length': String(found.body.byteLength), etag: found.etag }),
      });
    },
  };
}
