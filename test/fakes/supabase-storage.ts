// A stand-in for Supabase Storage's HTTP API (`/storage/v1/object/...`), in memory, for the real
// storage-js client: upload, authenticated download, signed URLs (and serving them), list, remove.
// Buckets are private: without the service role key or a valid signed-URL token, nothing is served.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SupabaseStorageFake {
  url: string;
  serviceRoleKey: string;
  bucket: string;
  objects: Map<string, { bytes: Buffer; contentType: string }>;
  requests: Array<{ method: string; path: string }>;
  close(): Promise<void>;
}

const body = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

export async function startSupabaseStorageFake(options: { bucket?: string; now?: () => number } = {}): Promise<SupabaseStorageFake> {
  const bucket = options.bucket ?? 'etalase-media';
  const serviceRoleKey = `service-${randomBytes(8).toString('hex')}`;
  const secret = randomBytes(32);
  const now = options.now ?? Date.now;
  const objects = new Map<string, { bytes: Buffer; contentType: string }>();
  const requests: SupabaseStorageFake['requests'] = [];
  const tokenFor = (path: string, exp: number) => `${exp}.${createHmac('sha256', secret).update(`${path}|${exp}`).digest('base64url')}`;

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = decodeURIComponent(url.pathname);
    requests.push({ method: req.method ?? '', path });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const notFound = () => json(400, { statusCode: '404', error: 'not_found', message: 'Object not found' });
    const raw = await body(req);

    const signed = /^\/storage\/v1\/object\/sign\/([^/]+)\/(.+)$/.exec(path);
    if (signed && req.method === 'GET') {
      const [, b, key] = signed;
      const [exp, mac] = (url.searchParams.get('token') ?? '').split('.');
      const expected = tokenFor(`${b}/${key}`, Number(exp)).split('.')[1]!;
      const ok = mac && mac.length === expected.length && timingSafeEqual(Buffer.from(mac), Buffer.from(expected)) && Number(exp) * 1000 > now();
      if (!ok) return json(400, { statusCode: '400', error: 'InvalidJWT', message: 'invalid or expired signature' });
      const object = objects.get(`${b}/${key}`);
      if (!object) return notFound();
      res.writeHead(200, { 'content-type': object.contentType, 'cache-control': 'private, max-age=0' });
      return res.end(object.bytes);
    }
    // Everything else needs the service role.
    if (req.headers.authorization !== `Bearer ${serviceRoleKey}`) return json(400, { statusCode: '403', error: 'Unauthorized', message: 'invalid JWT' });
    if (signed && req.method === 'POST') {
      const [, b, key] = signed;
      if (!objects.has(`${b}/${key}`)) return notFound();
      const exp = Math.floor(now() / 1000) + Number(JSON.parse(raw.toString() || '{}').expiresIn ?? 60);
      return json(200, { signedURL: `/object/sign/${b}/${key}?token=${tokenFor(`${b}/${key}`, exp)}` });
    }
    const list = /^\/storage\/v1\/object\/list\/([^/]+)$/.exec(path);
    if (list && req.method === 'POST') {
      const prefix = String(JSON.parse(raw.toString() || '{}').prefix ?? '').replace(/\/?$/, '/');
      const names = [...objects.keys()].filter((k) => k.startsWith(`${list[1]}/${prefix}`)).map((k) => k.slice(list[1]!.length + 1 + prefix.length));
      return json(200, names.filter((n) => !n.includes('/')).map((name) => ({ name, id: name })));
    }
    const whole = /^\/storage\/v1\/object\/([^/]+)$/.exec(path);
    if (whole && req.method === 'DELETE') {
      const prefixes: string[] = JSON.parse(raw.toString() || '{}').prefixes ?? [];
      const removed = prefixes.filter((p) => objects.delete(`${whole[1]}/${p}`));
      return json(200, removed.map((name) => ({ name })));
    }
    const object = /^\/storage\/v1\/object\/(?:authenticated\/)?([^/]+)\/(.+)$/.exec(path);
    if (object && (req.method === 'POST' || req.method === 'PUT')) {
      const [, b, key] = object;
      if (b !== bucket) return json(400, { statusCode: '404', error: 'Bucket not found', message: 'Bucket not found' });
      if (req.method === 'POST' && objects.has(`${b}/${key}`) && req.headers['x-upsert'] !== 'true') {
        return json(400, { statusCode: '409', error: 'Duplicate', message: 'The resource already exists' });
      }
      objects.set(`${b}/${key}`, { bytes: raw, contentType: String(req.headers['content-type'] ?? 'application/octet-stream') });
      return json(200, { Key: `${b}/${key}`, Id: randomBytes(8).toString('hex') });
    }
    if (object && req.method === 'GET') {
      const found = objects.get(`${object[1]}/${object[2]}`);
      if (!found) return notFound();
      res.writeHead(200, { 'content-type': found.contentType });
      return res.end(found.bytes);
    }
    json(400, { statusCode: '404', error: 'not_found', message: `fake storage does not serve ${req.method} ${path}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    serviceRoleKey,
    bucket,
    objects,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
