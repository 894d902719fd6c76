// The /media/ route: a signed, unexpired URL gets the file with `Cache-Control: private` for no
// longer than the signature lives; anything else is 403 (no, a tampered or an expired signature) or
// 404 (no such file). Which requests are valid is the storage adapter's decision (it signed them).
import type { MediaLookup } from '../adapters/storage/local.js';

const plain = (status: number, text: string) =>
  new Response(text, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' },
  });

/** The response for a /media/ URL, or null when `url` is not under /media/. */
export async function serveMedia(lookup: (url: URL) => Promise<MediaLookup | null>, url: URL, now = Date.now()): Promise<Response | null> {
  const found = await lookup(url);
  if (!found) return null;
  if (found.status !== 200) {
    return found.status === 403 ? plain(403, 'Forbidden: this link is not signed, or it has expired') : plain(404, 'Not found');
  }
  const { bytes, contentType } = found.object;
  const maxAge = Math.max(0, Math.floor((found.expiresAt - now) / 1000));
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    status: 200,
    headers: {
      'content-type': contentType,
      'content-length': String(bytes.byteLength),
      // A seller's photos: never in a shared cache, and not kept past the link's own expiry.
      'cache-control': `private, max-age=${maxAge}`,
      'x-content-type-options': 'nosniff',
    },
  });
}
