// A catalogue's "download all": GET /catalogs/<id>.zip?expires=…&signature=…, signed like /media/
// links (HMAC with the media key in DATA_DIR, so every instance sharing it signs and checks the same
// way) and valid until it expires. The ZIP is made as it is sent (media/catalog-archive.ts).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import { catalogArchive } from '../media/catalog-archive.js';
import type { CatalogStore, Clock, GenerationStore, Storage } from '../studio/ports.js';

const ROUTE = /^\/catalogs\/([0-9a-f-]{36})\.zip$/;
/** Links are signed for a time step: the same link within a step, so clients can cache. */
const STEP_SECONDS = 60;

export interface CatalogLinks {
  urlFor(catalogId: string): Promise<string>;
  /** the catalogue a request may download; null when the path is not ours; 'forbidden' when unsigned or expired */
  verify(url: URL): string | null | 'forbidden';
}

export function createCatalogLinks(options: { secret: Uint8Array; publicUrl: string; ttlSeconds: number; clock?: Clock }): CatalogLinks {
  const base = options.publicUrl.replace(/\/+$/, '');
  const now = () => Math.floor((options.clock?.now() ?? new Date()).getTime() / 1000);
  const sign = (id: string, expires: number) => createHmac('sha256', options.secret).update(`catalog-zip\n${id}\n${expires}`).digest('base64url');
  return {
    async urlFor(id) {
      const expires = Math.ceil((now() + options.ttlSeconds) / STEP_SECONDS) * STEP_SECONDS;
      return `${base}/catalogs/${id}.zip?expires=${expires}&signature=${sign(id, expires)}`;
    },
    verify(url) {
      const match = ROUTE.exec(url.pathname);
      if (!match) return null;
      const expires = Number(url.searchParams.get('expires'));
      const given = Buffer.from(url.searchParams.get('signature') ?? '', 'base64url');
      const expected = Buffer.from(sign(match[1]!, expires), 'base64url');
      if (!Number.isInteger(expires) || expires < now() || given.length !== expected.length || !timingSafeEqual(given, expected)) return 'forbidden';
      return match[1]!;
    },
  };
}

const plain = (status: number, body: string) =>
  new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } });

/** The response to a /catalogs/ request, or null when the path is not one. */
export async function serveCatalogZip(
  links: CatalogLinks,
  deps: { catalogs: CatalogStore; generations: Pick<GenerationStore, 'generation'>; storage: Storage },
  url: URL,
): Promise<Response | null> {
  const id = links.verify(url);
  if (id === null) return null;
  if (id === 'forbidden') return plain(403, 'Forbidden: this link is not signed, or it has expired');
  const catalog = await deps.catalogs.catalog(id);
  if (!catalog) return plain(404, 'Not found');
  const stream = catalogArchive(catalog, (gid) => deps.generations.generation(gid), deps.storage);
  return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, {
    status: 200,
    headers: {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="catalog-${id.slice(0, 8)}.zip"`,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}
