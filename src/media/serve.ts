// Serves generated images from disk at /media/<generationId>/<file>. Names are matched against a
// strict whitelist before any filesystem call, so "..", percent-encoding, slashes and NUL never
// reach path.join: a name either matches the pattern or is answered 404 without touching the disk.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const PREFIX = '/media/';
const MEDIA_PATH = /^\/media\/([A-Za-z0-9-]{1,100})\/([A-Za-z0-9_-]{1,100})\.(jpg|jpeg|png|webp)$/;

const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

const notFound = () =>
  new Response('Not found', {
    status: 404,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
  });

/** The response for a /media/ URL, or null when `pathname` is not under /media/. */
export async function serveMedia(mediaDir: string, pathname: string): Promise<Response | null> {
  if (!pathname.startsWith(PREFIX)) return null;
  const match = MEDIA_PATH.exec(pathname);
  if (!match) return notFound();
  const [, dir, name, ext] = match as unknown as [string, string, string, string];

  const root = path.resolve(mediaDir);
  const file = path.join(root, dir, `${name}.${ext}`);
  // Unreachable with the pattern above; kept so a later loosening of the pattern cannot escape.
  if (!file.startsWith(root + path.sep)) return notFound();

  const body = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'EISDIR' || error.code === 'ENOTDIR') return null;
    throw error;
  });
  if (!body) return notFound();
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      'content-length': String(body.byteLength),
      // A generation's files never change once written: the id is unique per request.
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    },
  });
}
