// Downloads behind signed, expiring links: a generation's ZIP (GET /zip/<id>) and a catalogue's
// download-all (GET /catalogs/<id>.zip), both ?expires=…&signature=… (HMAC-SHA256). One key signs
// both: kept in DATA_DIR, or, on Supabase Storage (instances share no DATA_DIR), derived from the
// service key every instance holds (services.ts). Links are signed per time step, so the same link
// comes back within a step and clients can cache it. The archives are made as they are sent
// (http/zip.ts).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CatalogStore, Clock, GenerationStore, Storage } from '../studio/ports.js';
import { catalogEntries, streamZip, zipEntries } from './zip.js';

const UUID = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})';
const ROUTES = { zip: new RegExp(`^/zip/${UUID}$`, 'i'), catalog: new RegExp(`^/catalogs/${UUID}\\.zip$`, 'i') };
type Route = keyof typeof ROUTES;

export interface Downloads {
  /** a signed link to a generation's ZIP */
  generationZipUrl(generationId: string): string;
  /** a signed link to a catalogue's download-all ZIP */
  catalogZipUrl(catalogId: string): string;
  /** answers /zip/… and /catalogs/…: the ZIP, 403 for a bad or expired link, 404 for nothing to give; null for other paths */
  handle(url: URL): Promise<Response | null>;
}

export interface DownloadDeps {
  secret: Uint8Array;
  publicUrl: string;
  ttlSeconds: number;
  clock: Clock;
  storage: Storage;
  generations: Pick<GenerationStore, 'generation'>;
  catalogs: Pick<CatalogStore, 'catalog'>;
}

const plain = (status: number, body: string) =>
  new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } });

const zipResponse = (body: ReadableStream<Uint8Array>, filename: string) =>
  new Response(body, {
    headers: {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="${filename}"`,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    },
  });

export function createDownloads(deps: DownloadDeps): Downloads {
  const base = deps.publicUrl.replace(/\/+$/, '');
  const now = () => Math.floor(deps.clock.now().getTime() / 1000);
  const step = Math.max(1, Math.min(300, Math.floor(deps.ttlSeconds / 10)));
  const sign = (route: Route, id: string, expires: number) => createHmac('sha256', deps.secret).update(`${route}\n${id}\n${expires}`).digest('base64url');
  const link = (route: Route, path: string, id: string) => {
    const expires = Math.ceil((now() + deps.ttlSeconds) / step) * step;
    return `${base}${path}?expires=${expires}&signature=${sign(route, id, expires)}`;
  };
  /** the id a signed request names; null for another path; 'forbidden' when unsigned or expired */
  const verify = (url: URL): { route: Route; id: string } | null | 'forbidden' => {
    for (const route of Object.keys(ROUTES) as Route[]) {
      const match = ROUTES[route].exec(url.pathname);
      if (!match) continue;
      const id = match[1]!.toLowerCase();
      const expires = Number(url.searchParams.get('expires'));
      const given = Buffer.from(url.searchParams.get('signature') ?? '', 'base64url');
      const expected = Buffer.from(sign(route, id, expires), 'base64url');
      if (!Number.isSafeInteger(expires) || expires <= now() || given.length !== expected.length || !timingSafeEqual(given, expected)) return 'forbidden';
      return { route, id };
    }
    return null;
  };
  return {
    generationZipUrl: (id) => link('zip', `/zip/${id}`, id),
    catalogZipUrl: (id) => link('catalog', `/catalogs/${id}.zip`, id),
    async handle(url) {
      const ours = url.pathname.startsWith('/zip/') || url.pathname.startsWith('/catalogs/');
      const found = verify(url);
      if (found === null) return ours ? plain(404, 'Not found') : null;
      if (found === 'forbidden') return plain(403, 'Forbidden: this link is not signed, or it has expired');
      if (found.route === 'zip') {
        const g = await deps.generations.generation(found.id);
        if (!g || g.images.length === 0) return plain(404, 'Not found');
        return zipResponse(streamZip(zipEntries(g, deps.storage)), `etalase-${found.id.slice(0, 8)}.zip`);
      }
      const catalog = await deps.catalogs.catalog(found.id);
      if (!catalog) return plain(404, 'Not found');
      const entries = await catalogEntries(catalog, (id) => deps.generations.generation(id), deps.storage);
      return zipResponse(streamZip(entries), `catalog-${found.id.slice(0, 8)}.zip`);
    },
  };
}
