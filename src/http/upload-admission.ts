// Bounds the upload bytes a process holds in memory (issue 11). Yoga's multipart parser keeps every
// file of a request in memory until the response, so without a bound forty six-photo requests hold
// twice what twenty do. A multipart request is admitted when its size fits in the budget beside the
// ones being answered; past that it is spooled to a temporary file (the client finishes sending, so
// REQUEST_TIMEOUT_MS does not cut it off) and parsed from there when its turn comes, first come,
// first served. Its bytes count until its response is sent. One that waits longer than the wait
// limit is answered 503 with Retry-After; one whose client goes away leaves the queue.
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GraphQLError } from 'graphql';
import { createWorkPool, type PoolStats } from '../media/pool.js';
import { processAlive } from '../runtime/process-alive.js';
import { declaredLength, tooLarge } from './body-limit.js';

export interface UploadAdmissionOptions {
  /** the upload bytes all admitted requests may hold at once (one bigger request runs alone) */
  budgetBytes: number;
  /** the largest body accepted at all (Yoga's maxRequestBodySize) */
  maxBodyBytes: number;
  /** how long a spooled request may wait for its turn */
  maxWaitMs: number;
  /** where spooled bodies go; the OS temp dir unless said */
  spoolDir?: string;
}

export interface UploadAdmission {
  /** Resolves once `request` may be parsed, with the request to parse: itself, or its spooled copy.
   *  What it holds is held under `key` (the request as the response hook will see it). */
  admit(request: Request, fetchAPI: { Request: typeof Request }, key?: Request): Promise<Request>;
  /** Frees what `key` held (after its response; twice is harmless). */
  release(key: Request): void;
  stats(): PoolStats & { spooled: number };
}

const busy = (seconds: number) =>
  new GraphQLError('The server is busy receiving other uploads; try again shortly.', {
    extensions: { code: 'SERVER_BUSY', http: { status: 503, headers: { 'retry-after': String(seconds) } } },
  });

const SPOOL_PREFIX = 'etalase-upload-';
const SPOOLED_BY = new RegExp(`^${SPOOL_PREFIX}(\\d+)-`);

/** Spool dirs whose process is gone (killed mid-upload) are removed: nobody else ever reads them. */
export async function removeOrphanedSpools(spoolDir: string): Promise<void> {
  const names = await readdir(spoolDir).catch(() => [] as string[]);
  await Promise.all(
    names.map(async (name) => {
      const pid = Number(SPOOLED_BY.exec(name)?.[1]);
      if (pid && pid !== process.pid && !processAlive(pid)) await rm(path.join(spoolDir, name), { recursive: true, force: true }).catch(() => {});
    }),
  );
}

export function createUploadAdmission(options: UploadAdmissionOptions): UploadAdmission {
  const spoolDir = options.spoolDir ?? os.tmpdir();
  void removeOrphanedSpools(spoolDir);
  const pool = createWorkPool(Math.max(1, Math.floor(options.budgetBytes)));
  const held = new WeakMap<Request, () => void>();
  const inDir = (dir: string, release: () => void) => () => {
    release();
    void rm(dir, { recursive: true, force: true });
  };
  let spooled = 0;

  /** a slot of `weight` bytes, held until the returned function is called */
  const acquire = (weight: number, signal?: AbortSignal) =>
    new Promise<() => void>((admitted, refused) => {
      pool.run(() => new Promise<void>((release) => admitted(release)), signal, weight).catch(refused);
    });

  /** A turn for a spooled body, given up when its client goes (request.signal: a server adapter's
   *  signal, not always a native AbortSignal) or past the wait limit (503). */
  async function waitFor(weight: number, client: AbortSignal | undefined) {
    const giveUp = new AbortController();
    const leave = () => giveUp.abort(client?.reason ?? new Error('The client went away.'));
    if (client?.aborted) leave();
    client?.addEventListener('abort', leave, { once: true });
    const timer = setTimeout(() => giveUp.abort(busy(Math.max(1, Math.ceil(options.maxWaitMs / 4000)))), options.maxWaitMs);
    try {
      return await acquire(weight, giveUp.signal);
    } finally {
      clearTimeout(timer);
      client?.removeEventListener('abort', leave);
    }
  }

  async function admit(request: Request, fetchAPI: { Request: typeof Request }, key = request): Promise<Request> {
    const declared = declaredLength(request);
    if (declared !== null && declared > options.maxBodyBytes) throw tooLarge(`Request body is over the ${options.maxBodyBytes} byte limit.`);
    // A body of unknown length (chunked) counts as the largest one allowed until it is on disk.
    const weight = Math.max(1, declared ?? options.maxBodyBytes);
    if (pool.wouldStart(weight)) {
      hold(key, await acquire(weight));
      return request;
    }
    // Its turn is not now: the body goes to disk first, and waits there at its real size.
    spooled++;
    const dir = await mkdtemp(path.join(spoolDir, `${SPOOL_PREFIX}${process.pid}-`));
    try {
      const file = path.join(dir, 'body');
      const size = await spool(request, file, options.maxBodyBytes);
      const release = await waitFor(Math.max(1, size), request.signal);
      // The file goes with the slot, after the response: by then the parser has long read it.
      hold(key, inDir(dir, release));
      return new fetchAPI.Request(request.url, {
        method: request.method,
        headers: request.headers,
        body: createReadStream(file) as unknown as BodyInit,
        signal: request.signal,
        duplex: 'half',
      } as RequestInit);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** held until the response, or until the client is gone (should no response ever be made) */
  function hold(key: Request, release: () => void) {
    held.set(key, release);
    key.signal?.addEventListener('abort', () => free(key), { once: true });
  }

  function free(key: Request) {
    held.get(key)?.();
    held.delete(key);
  }

  return { admit, release: free, stats: () => ({ ...pool.stats(), spooled }) };
}

/** Writes the body to `file`, refusing it (413) past `limit` bytes; answers the byte count. */
async function spool(request: Request, file: string, limit: number): Promise<number> {
  const out = createWriteStream(file);
  let size = 0;
  try {
    if (request.body) {
      for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > limit) throw tooLarge(`Request body is over the ${limit} byte limit.`);
        if (!out.write(chunk)) await once(out, 'drain');
      }
    }
    out.end();
    await once(out, 'finish');
    return size;
  } finally {
    out.destroy();
  }
}
