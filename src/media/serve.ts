// The /media/ route: a signed, unexpired URL gets the file with `Cache-Control: private` for no
// longer than the signature lives; anything else is 403 (no, a tampered or an expired signature) or
// 404 (no such file). Which requests are valid is the storage adapter's decision (it signed them).
// A byte range (`Range: bytes=a-b`) is answered 206 with that part: browsers play and seek a clip
// that way, and Safari plays none without it.
import type { MediaLookup } from '../adapters/storage/local.js';

const plain = (status: number, text: string) =>
  new Response(text, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' },
  });

/** The response for a /media/ URL, or null when `url` is not under /media/. */
/** The one range `header` asks for within `size` bytes, or null for the whole file (no or an
 *  unusable header); 'unsatisfiable' when it starts past the end. */
export function byteRange(header: string | null, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Math.min(Number(match[2]), size);
    return suffix === 0 ? 'unsatisfiable' : { start: size - suffix, end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size) return 'unsatisfiable';
  return start > end ? null : { start, end };
}

export async function serveMedia(
  lookup: (url: URL) => Promise<MediaLookup | null>,
  url: URL,
  now = Date.now(),
  rangeHeader: string | null = null,
): Promise<Response | null> {
  const found = await lookup(url);
  if (!found) return null;
  if (found.status !== 200) {
    return found.status === 403 ? plain(403, 'Forbidden: this link is not signed, or it has expired') : plain(404, 'Not found');
  }
  const { bytes, contentType } = found.object;
  const maxAge = Math.max(0, Math.floor((found.expiresAt - now) / 1000));
  const headers: Record<string, string> = {
    'content-type': contentType,
    'accept-ranges': 'bytes',
    // A seller's photos and clips: never in a shared cache, and not kept past the link's own expiry.
    'cache-control': `private, max-age=${maxAge}`,
    'x-content-type-options': 'nosniff',
  };
  const range = byteRange(rangeHeader, bytes.byteLength);
  if (range === 'unsatisfiable') {
    return new Response(null, { status: 416, headers: { ...headers, 'content-range': `bytes */${bytes.byteLength}` } });
  }
  const body = range ? bytes.subarray(range.start, range.end + 1) : bytes;
  if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${bytes.byteLength}`;
  headers['content-length'] = String(body.byteLength);
  return new Response(body as Uint8Array<ArrayBuffer>, { status: range ? 206 : 200, headers });
}
