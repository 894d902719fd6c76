// GraphiQL as a small HTML page plus static, compressed, cacheable assets. @graphql-yoga/render-graphiql
// inlines its ~9 MB bundle into every page; here the same bundle is served once per browser from
// /graphiql/<version>/…, so the page itself is a few hundred bytes and carries a strict CSP (no
// inline script: the options travel as JSON in a non-executed <script type="application/json">).
//
// The bundle is imported on the first asset request, not at start: held as module strings it costs
// about 60 MB of resident memory, which a server nobody opens GraphiQL on should not pay.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

// Monaco's workers are started from these same-origin URLs instead of blob: URLs.
const init = `
const options = JSON.parse(document.getElementById('graphiql-options').textContent);
const base = document.getElementById('graphiql-options').dataset.base;
const workers = { editorWorkerService: 'editor.worker.js', json: 'json.worker.js', graphql: 'graphql.worker.js' };
self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_id, label) => base + workers[label] };
YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), options);
`;

type Bundle = typeof import('@graphql-yoga/render-graphiql/graphiql');
type Asset = { type: string; body: string | Buffer };
const JS = 'text/javascript; charset=utf-8';

// The favicon arrives as a 150 KB data: URL; served as a file it is fetched once, not with every page.
const faviconOf = (favicon: string): Asset => {
  const [type, base64] = /^data:([^;]+);base64,(.*)$/s.exec(favicon)!.slice(1) as [string, string];
  return { type, body: Buffer.from(base64, 'base64') };
};

/** Each asset's name and where it comes from in the bundle (read on first use). */
const ASSETS: Record<string, (bundle: Bundle) => Asset> = {
  'favicon.ico': (b) => faviconOf(b.favicon),
  'graphiql.css': (b) => ({ type: 'text/css; charset=utf-8', body: b.css }),
  'graphiql.js': (b) => ({ type: JS, body: b.js }),
  'init.js': () => ({ type: JS, body: init }),
  'editor.worker.js': (b) => ({ type: JS, body: b.editorWorkerService }),
  'json.worker.js': (b) => ({ type: JS, body: b.jsonWorker }),
  'graphql.worker.js': (b) => ({ type: JS, body: b.graphqlWorker }),
};
let bundle: Promise<Bundle> | null = null;

// Content-addressed without reading the bundle: the installed package's version names the bundle,
// and our own init script is hashed in. A new bundle gets a new path, so the old one may be cached forever.
const bundleVersion = (): string => {
  const require = createRequire(import.meta.url);
  const manifest = path.join(path.dirname(require.resolve('@graphql-yoga/render-graphiql')), '..', 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
};
const VERSION = createHash('sha256').update(`${bundleVersion()}\0${init}`).digest('hex').slice(0, 16);
export const GRAPHIQL_ASSETS_PATH = `/graphiql/${VERSION}/`;

/** The page's policy: everything from this origin; Monaco sets inline styles, and the favicon is a data: URL. */
export const GRAPHIQL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const escapeJsonForHtml = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderGraphiQLPage(options: { title?: string } & Record<string, unknown>): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
<link rel="icon" href="${GRAPHIQL_ASSETS_PATH}favicon.ico" />
<link rel="stylesheet" href="${GRAPHIQL_ASSETS_PATH}graphiql.css" />
</head>
<body id="body" class="no-focus-outline">
<noscript>You need to enable JavaScript to run GraphiQL.</noscript>
<div id="root"></div>
<script type="application/json" id="graphiql-options" data-base="${GRAPHIQL_ASSETS_PATH}">${escapeJsonForHtml(options)}</script>
<script src="${GRAPHIQL_ASSETS_PATH}graphiql.js"></script>
<script src="${GRAPHIQL_ASSETS_PATH}init.js"></script>
</body>
</html>`;
}

type Encoded = { type: string; identity: Buffer; br: Buffer; gzip: Buffer };
const encoded = new Map<string, Promise<Encoded>>();

// Read from the bundle and compressed once, off the event loop (zlib's thread pool), on first request.
function encode(name: string): Promise<Encoded> {
  let entry = encoded.get(name);
  if (!entry) {
    entry = (bundle ??= import('@graphql-yoga/render-graphiql/graphiql')).then(async (loaded) => {
      const { type, body } = ASSETS[name]!(loaded);
      const identity = Buffer.from(body);
      const [br, gzipped] = await Promise.all([
        brotli(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 6, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length } }),
        gz(identity, { level: 6 }),
      ]);
      return { type, identity, br, gzip: gzipped };
    });
    encoded.set(name, entry);
  }
  return entry;
}

/** The response for a GraphiQL asset, or null when `pathname` is not one. */
export async function serveGraphiQLAsset(pathname: string, acceptEncoding: string | null): Promise<Response | null> {
  if (!pathname.startsWith('/graphiql/')) return null;
  const name = pathname.startsWith(GRAPHIQL_ASSETS_PATH) ? pathname.slice(GRAPHIQL_ASSETS_PATH.length) : '';
  if (!Object.hasOwn(ASSETS, name)) return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const bodies = await encode(name);
  const accepts = (acceptEncoding ?? '').toLowerCase();
  const [encoding, body] = accepts.includes('br') ? ['br', bodies.br] : accepts.includes('gzip') ? ['gzip', bodies.gzip] : [null, bodies.identity];
  const headers: Record<string, string> = {
    'content-type': bodies.type,
    'content-length': String(body.byteLength),
    'cache-control': 'public, max-age=31536000, immutable',
    vary: 'accept-encoding',
  };
  if (encoding) headers['content-encoding'] = encoding;
  return new Response(new Uint8Array(body), { status: 200, headers });
}
