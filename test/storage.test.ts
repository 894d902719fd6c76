// Local storage and the /media/ route: only a signed, unexpired link to an output reads a file;
// no signature, a tampered one or an expired one is 403, a missing file 404, and a traversal never
// reads outside the media directory.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStorage, type LocalStorage } from '../src/adapters/storage/local.js';
import { withRecentObjects } from '../src/adapters/storage/recent.js';
import { createSupabaseStorage } from '../src/adapters/storage/supabase.js';
import { serveMedia } from '../src/media/serve.js';
import { startSupabaseStorageFake } from './fakes/supabase-storage.js';
import * as img from './helpers/images.js';

let root: string;
let storage: LocalStorage;
let now = new Date('2026-12-01T10:00:00Z');
const clock = { now: () => now };
let jpegBytes: Uint8Array;
const KEY = 'outputs/3f1e4c1a-0000-4000-8000-000000000001/1.jpg';

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'etalase-storage-'));
  storage = await createLocalStorage({ dataDir: root, publicUrl: 'http://localhost:4000/', ttlSeconds: 3600, clock });
  jpegBytes = await img.jpeg({ width: 100, height: 100 });
  await storage.put(KEY, jpegBytes, 'image/jpeg');
  // Files a traversal would be after: next to and above the media directory.
  await writeFile(path.join(root, 'secret.jpg'), 'SECRET');
  await mkdir(path.join(root, 'media'), { recursive: true });
  await writeFile(path.join(root, 'media', 'secret.jpg'), 'SECRET');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const serve = (url: string) => serveMedia(storage.lookup, new URL(url), now.getTime());

describe('local storage', () => {
  it('keeps bytes and reads them back; a missing key is null', async () => {
    expect(await storage.get(KEY)).toEqual({ bytes: jpegBytes, contentType: 'image/jpeg' });
    expect(await storage.get('outputs/3f1e4c1a-0000-4000-8000-000000000001/2.jpg')).toBeNull();
    await expect(storage.put('../x.jpg', jpegBytes, 'image/jpeg')).rejects.toThrow(/invalid storage key/);
  });

  it('a signed URL loads with private caching bounded by its expiry', async () => {
    const url = await storage.signedUrl(KEY);
    expect(url).toMatch(/^http:\/\/localhost:4000\/media\/outputs\/.+\/1\.jpg\?expires=\d+&signature=[\w-]+$/);
    const response = await serve(url);
    expect(response?.status).toBe(200);
    expect(response?.headers.get('content-type')).toBe('image/jpeg');
    expect(response?.headers.get('cache-control')).toBe('private, max-age=3600');
    expect(response?.headers.get('x-content-type-options')).toBe('nosniff');
    expect(new Uint8Array(await response!.arrayBuffer())).toEqual(jpegBytes);
  });

  it('refuses no signature, a tampered one, another key, and an expired link', async () => {
    const url = new URL(await storage.signedUrl(KEY));
    const bare = `${url.origin}${url.pathname}`;
    expect((await serve(bare))?.status).toBe(403);
    const sig = url.searchParams.get('signature')!;
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect((await serve(`${bare}?expires=${url.searchParams.get('expires')}&signature=${flipped}`))?.status).toBe(403);
    // a later expiry with the old signature
    expect((await serve(`${bare}?expires=${Number(url.searchParams.get('expires')) + 3600}&signature=${sig}`))?.status).toBe(403);
    // the signature of one file does not open another
    expect((await serve(url.toString().replace('/1.jpg', '/2.jpg')))?.status).toBe(403);

    const before = now;
    now = new Date(before.getTime() + 3601_000);
    try {
      expect((await serve(url.toString()))?.status).toBe(403);
      // read again, signed again: a fresh link works
      expect((await serve(await storage.signedUrl(KEY)))?.status).toBe(200);
    } finally {
      now = before;
    }
  });

  it('answers 404 for a signed link to a file that is not there, and for inputs', async () => {
    expect((await serve(await storage.signedUrl('outputs/3f1e4c1a-0000-4000-8000-000000000001/9.jpg')))?.status).toBe(404);
    await storage.put('inputs/3f1e4c1a-0000-4000-8000-000000000001/PRODUCT_1-reference.jpg', jpegBytes, 'image/jpeg');
    expect((await serve(await storage.signedUrl('inputs/3f1e4c1a-0000-4000-8000-000000000001/PRODUCT_1-reference.jpg')))?.status).toBe(404);
  });

  it('removes a generation\'s inputs', async () => {
    const key = 'inputs/3f1e4c1a-0000-4000-8000-000000000002/FACE-vision.jpg';
    await storage.put(key, jpegBytes, 'image/jpeg');
    await storage.removePrefix('inputs/3f1e4c1a-0000-4000-8000-000000000002/');
    expect(await storage.get(key)).toBeNull();
    await expect(storage.removePrefix('inputs/../')).rejects.toThrow();
  });

  it('leaves other paths alone', async () => {
    for (const p of ['/graphql', '/', '/media', '/mediaX/gen-1/1.jpg', '/health']) {
      expect(await serve(`http://localhost:4000${p}`)).toBeNull();
    }
  });

  it.each([
    '/media/../x',
    '/media/../secret.jpg',
    '/media/outputs/../secret.jpg',
    '/media/outputs/gen-1/../../secret.jpg',
    '/media/%2e%2e/secret.jpg',
    '/media/outputs/gen-1/%2e%2e%2fsecret.jpg',
    '/media/..%2f..%2fsecret.jpg',
    '/media/%252e%252e/secret.jpg',
    '/media/outputs\\..\\..\\secret.jpg',
    '/media/outputs/gen-1/1.jpg%00.png',
    '/media//secret.jpg',
    '/media/./secret.jpg',
    '/media/secret.jpg',
    '/media/outputs/gen-1/.jpg',
    '/media/outputs/gen-1/1.JPG.exe',
    '/media/outputs/gen-1/1.svg',
    '/media/outputs/gen-1/sub/1.jpg',
  ])('rejects %j without reading outside the media directory', async (pathname) => {
    // URL parsing folds plain dot segments away: those never reach the route (null) or are 404.
    const response = await serve(`http://localhost:4000${pathname}?expires=9999999999&signature=x`);
    if (response) {
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('SECRET');
    }
  });
});

describe('Supabase Storage (storage-js against a stand-in of its HTTP API)', () => {
  let fake: Awaited<ReturnType<typeof startSupabaseStorageFake>>;
  let remote: ReturnType<typeof createSupabaseStorage>;
  beforeAll(async () => {
    fake = await startSupabaseStorageFake();
    remote = createSupabaseStorage({ url: fake.url, serviceRoleKey: fake.serviceRoleKey, bucket: fake.bucket, ttlSeconds: 3600 });
  });
  afterAll(() => fake?.close());

  it('keeps bytes in the private bucket and signs expiring links to them', async () => {
    await remote.put(KEY, jpegBytes, 'image/jpeg');
    expect(fake.objects.get(`${fake.bucket}/${KEY}`)?.bytes.equals(Buffer.from(jpegBytes))).toBe(true);
    expect(await remote.get(KEY)).toEqual({ bytes: jpegBytes, contentType: 'image/jpeg' });
    expect(await remote.get('outputs/3f1e4c1a-0000-4000-8000-000000000001/7.jpg')).toBeNull();

    const url = await remote.signedUrl(KEY);
    expect(url).toMatch(new RegExp(`^${fake.url}/storage/v1/object/sign/${fake.bucket}/outputs/.+\\?token=`));
    const served = await fetch(url);
    expect(served.status).toBe(200);
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(jpegBytes);
    // unsigned, or tampered: refused
    expect((await fetch(url.replace(/token=.*/, ''))).status).toBe(400);
    expect((await fetch(`${url}x`)).status).toBe(400);
    expect((await fetch(`${fake.url}/storage/v1/object/public/${fake.bucket}/${KEY}`)).status).toBe(400);
  });

  it('removes a generation\'s inputs', async () => {
    const dir = 'inputs/3f1e4c1a-0000-4000-8000-000000000003/';
    await remote.put(`${dir}PRODUCT_1-vision.jpg`, jpegBytes, 'image/jpeg');
    await remote.put(`${dir}PRODUCT_1-reference.jpg`, jpegBytes, 'image/jpeg');
    await remote.removePrefix(dir);
    expect([...fake.objects.keys()].filter((k) => k.includes(dir))).toEqual([]);
  });
});

describe('recent objects in memory', () => {
  it('reads back what this process just stored without the store; forgets by age, size and prefix', async () => {
    const reads: string[] = [];
    const backing = new Map<string, { bytes: Uint8Array; contentType: string }>();
    const store = {
      put: async (key: string, bytes: Uint8Array, contentType: string) => void backing.set(key, { bytes, contentType }),
      get: async (key: string) => (reads.push(key), backing.get(key) ?? null),
      signedUrl: async (key: string) => `signed:${key}`,
      removePrefix: async (prefix: string) => {
        for (const k of [...backing.keys()]) if (k.startsWith(prefix)) backing.delete(k);
      },
    };
    const cached = withRecentObjects(store, { maxBytes: 10, ttlMs: 60_000 });
    await cached.put('outputs/a/1.jpg', new Uint8Array(6), 'image/jpeg');
    expect((await cached.get('outputs/a/1.jpg'))?.bytes.byteLength).toBe(6);
    expect(reads).toEqual([]);
    await cached.put('outputs/a/2.jpg', new Uint8Array(6), 'image/jpeg'); // over 10 bytes: the oldest goes
    await cached.get('outputs/a/1.jpg');
    expect(reads).toEqual(['outputs/a/1.jpg']);
    await cached.removePrefix('outputs/a/');
    expect(await cached.get('outputs/a/2.jpg')).toBeNull();
  });
});
