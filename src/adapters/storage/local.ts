// Storage on local disk under DATA_DIR/media. Nothing is public: a URL carries an expiry and an
// HMAC-SHA256 over the key and that expiry, made with a key generated once into DATA_DIR (like the
// dev-token secret), so every process sharing the directory signs and checks the same way.
// Keys are matched against a strict pattern before any filesystem call: "..", percent-encoding,
// slashes and NUL never reach path.join.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadOrCreateSecret } from '../secret-file.js';
import type { Clock, Storage, StoredObject } from '../../studio/ports.js';

export const KEY_PATTERN = /^(inputs|outputs)\/[A-Za-z0-9-]{1,100}\/[A-Za-z0-9_-]{1,100}\.(jpg|jpeg|png|webp|mp4)$/;
const PREFIX_PATTERN = /^(inputs|outputs)\/[A-Za-z0-9-]{1,100}\/$/;
const ROUTE = '/media/';

const CONTENT_TYPES: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', mp4: 'video/mp4' };

export const contentTypeOf = (key: string) => CONTENT_TYPES[key.slice(key.lastIndexOf('.') + 1)] ?? 'application/octet-stream';

export interface LocalStorageOptions {
  dataDir: string;
  /** origin the media route is served from, e.g. "http://localhost:4000" */
  publicUrl: string;
  ttlSeconds: number;
  clock?: Clock;
}

/** What the media route decided about a request: the file, or why not. */
export type MediaLookup = { status: 200; object: StoredObject; expiresAt: number } | { status: 403 | 404 };

export interface LocalStorage extends Storage {
  /** checks the signature and expiry of a /media/ request, then reads the file; null when not a media path */
  lookup(url: URL): Promise<MediaLookup | null>;
}

export const loadMediaKey = (dataDir: string): Promise<Buffer> => loadOrCreateSecret(dataDir, 'media-url-key');

export async function createLocalStorage(options: LocalStorageOptions): Promise<LocalStorage> {
  const root = path.resolve(options.dataDir, 'media');
  const secret = await loadMediaKey(options.dataDir);
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const now = () => (options.clock?.now() ?? new Date()).getTime();
  const sign = (key: string, expires: number) => createHmac('sha256', secret).update(`${key}\n${expires}`).digest('base64url');

  const fileOf = (key: string) => {
    if (!KEY_PATTERN.test(key)) throw new Error(`invalid storage key: ${key}`);
    const file = path.join(root, key);
    // Unreachable with the pattern above; kept so a later loosening of the pattern cannot escape.
    if (!file.startsWith(root + path.sep)) throw new Error(`invalid storage key: ${key}`);
    return file;
  };

  async function get(key: string): Promise<StoredObject | null> {
    const bytes = await readFile(fileOf(key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'EISDIR' || error.code === 'ENOTDIR') return null;
      throw error;
    });
    return bytes ? { bytes: new Uint8Array(bytes), contentType: contentTypeOf(key) } : null;
  }

  return {
    async put(key, bytes) {
      const file = fileOf(key);
      await mkdir(path.dirname(file), { recursive: true });
      // Write then rename, so neither the media route nor a worker ever reads half a file.
      const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, file);
    },
    get,
    async signedUrl(key) {
      fileOf(key);
      // The expiry is rounded up to a step of a tenth of the TTL (at most 5 min), so every read within
      // a step signs the same URL: browsers and CDNs can cache the image, and replays compare equal.
      const step = Math.max(1, Math.min(300, Math.floor(options.ttlSeconds / 10)));
      const expires = Math.ceil((Math.floor(now() / 1000) + options.ttlSeconds) / step) * step;
      return `${publicUrl}${ROUTE}${key}?expires=${expires}&signature=${sign(key, expires)}`;
    },
    async removePrefix(prefix) {
      if (!PREFIX_PATTERN.test(prefix)) throw new Error(`invalid storage prefix: ${prefix}`);
      await rm(path.join(root, prefix), { recursive: true, force: true });
    },
    async lookup(url) {
      if (!url.pathname.startsWith(ROUTE)) return null;
      const key = url.pathname.slice(ROUTE.length);
      // Only outputs are ever handed out; inputs stay between the API and the workers.
      if (!KEY_PATTERN.test(key) || !key.startsWith('outputs/')) return { status: 404 };
      const expires = Number(url.searchParams.get('expires'));
      const given = Buffer.from(url.searchParams.get('signature') ?? '', 'base64url');
      const expected = Buffer.from(sign(key, expires), 'base64url');
      if (!Number.isSafeInteger(expires) || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return { status: 403 };
      }
      if (expires * 1000 <= now()) return { status: 403 };
      const object = await get(key);
      return object ? { status: 200, object, expiresAt: expires * 1000 } : { status: 404 };
    },
  };
}
