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

type Asset = { type: string; body: string | Buffer };
const JS = 'text/javascript; charset=utf-8';

async function loadAssets(): Promise<Record<string, Asset>> {
  const { css, editorWorkerService, favicon, graphqlWorker, js, jsonWorker } = await import('@graphql-yoga/render-graphiql/graphiql');
  // The favicon arrives as a 150 KB data: URL; served as a file it is fetched once, not with every page.
  const [faviconType, faviconBase64] = /^data:([^;]+);base64,(.*)$/s.exec(favicon)!.slice(1) as [string, string];
  return {
    'favicon.ico': { type: faviconType, body: Buffer.from(faviconBase64, 'base64') },
    'graphiql.css': { type: 'text/css; charset=utf-8', body: css },
    'graphiql.js': { type: JS, body: js },
    'init.js': { type: JS, body: init },
    'editor.worker.js': { type: JS, body: editorWorkerService },
    'json.worker.js': { type: JS, body: jsonWorker },
    'graphql.worker.js': { type: JS, body: graphqlWorker },
  };
}
let assets: Promise<Record<string, Asset>> | null = null;
const ASSET_NAMES = new Set(['favicon.ico', 'graphiql.css', 'graphiql.js', 'init.js', 'editor.worker.js', 'json.worker.js', 'graphql.worker.js']);

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

type Encoded = { identity: Buffer; br: Buffer; gzip: Buffer };
const encoded = new Map<string, Promise<Encoded>>();

// Compressed once, off the event loop (zlib's thread pool), on first request.
function encode(name: string, body: string | Buffer): Promise<Encoded> {
  let entry = encoded.get(name);
  if (!entry) {
    const identity = Buffer.from(body);
    entry = Promise.all([
      brotli(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 6, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length } }),
      gz(identity, { level: 6 }),
    ]).then(([br, gzipped]) => ({ identity, br, gzip: gzipped }));
    encoded.set(name, entry);
  }
  return entry;
}

/** The response for a GraphiQL asset, or null when `pathname` is not one. */
export async function serveGraphiQLAsset(pathname: string, acceptEncoding: string | null): Promise<Response | null> {
  if (!pathname.startsWith('/graphiql/')) return null;
  const name = pathname.startsWith(GRAPHIQL_ASSETS_PATH) ? pathname.slice(GRAPHIQL_ASSETS_PATH.length) : '';
  if (!ASSET_NAMES.has(name)) return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const asset = (await (assets ??= loadAssets()))[name]!;
  const bodies = await encode(name, asset.body);
  const accepts = (acceptEncoding ?? '').toLowerCase();
  const [encoding, body] = accepts.includes('br') ? ['br', bodies.br] : accepts.includes('gzip') ? ['gzip', bodies.gzip] : [null, bodies.identity];
  const headers: Record<string, string> = {
    'content-type': asset.type,
    'content-length': String(body.byteLength),
    'cache-control': 'public, max-age=31536000, immutable',
    vary: 'accept-encoding',
  };
  if (encoding) headers['content-encoding'] = encoding;
  return new Response(new Uint8Array(body), { status: 200, headers });
}
