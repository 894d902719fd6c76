// The bound on upload bytes in memory (issue 11): past the budget, multipart bodies are spooled to
// disk and parsed in arrival order; nothing is lost, a long wait is a 503 with Retry-After, a client
// that leaves frees its place, and a spooled body over the limit is a 413. The module on its own, then
// the real app through yoga.fetch.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { Request as PonyRequest } from '@whatwg-node/fetch';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createUploadAdmission, removeOrphanedSpools, type UploadAdmission } from '../src/http/upload-admission.js';
import { multipartBody, startTestApp, type TestApp } from './helpers/app.js';
import { startServer } from './helpers/server.js';
import sharp, { type SharpOptions } from 'sharp';

const fetchAPI = { Request: PonyRequest as unknown as typeof Request };
const form = (bytes: number, name = 'a') => {
  const body = new FormData();
  body.append('operations', '{}');
  body.append(name, new Blob([new Uint8Array(bytes).fill(7)]), `${name}.bin`);
  return body;
};
/** a multipart Request whose Content-Length is known, as a browser or apollo-upload-client sends it */
const requestOf = async (bytes: number, init: { signal?: AbortSignal } = {}) => {
  const probe = new Request('http://localhost/graphql', { method: 'POST', body: form(bytes) });
  const body = new Uint8Array(await probe.arrayBuffer());
  return new Request('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': probe.headers.get('content-type')!, 'content-length': String(body.byteLength) },
    body,
    ...init,
  });
};
/** Spooling takes its time on a busy machine: a request's place in the queue is taken once it is on disk. */
const until = (ready: () => boolean) => vi.waitFor(() => expect(ready()).toBe(true), { timeout: 10_000, interval: 20 });
/** A released slot frees on a later turn, and its spool directory is removed after it: wait for both. */
const drained = (gate: UploadAdmission, spoolDir: string) =>
  vi.waitFor(
    async () => {
      expect(gate.stats()).toMatchObject({ active: 0, queued: 0 });
      expect(await readdir(spoolDir)).toEqual([]);
    },
    { timeout: 10_000, interval: 20 },
  );

describe('upload admission', () => {
  let spoolDir: string;
  beforeAll(async () => (spoolDir = await mkdtemp(path.join(os.tmpdir(), 'etalase-admission-'))));
  afterAll(() => rm(spoolDir, { recursive: true, force: true }));
  const admission = (budgetBytes: number, maxWaitMs = 10_000, maxBodyBytes = 1_000_000) =>
    createUploadAdmission({ budgetBytes, maxBodyBytes, maxWaitMs, spoolDir });

  test('a spool dir whose process is gone (killed mid-upload) is removed; a live process keeps its own', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'etalase-orphans-'));
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const live = process.ppid; // the test runner's parent: alive
    for (const name of [`etalase-upload-${gone}-abc`, `etalase-upload-${live}-def`, `etalase-upload-${process.pid}-ghi`, 'something-else']) {
      await mkdir(path.join(dir, name));
      await writeFile(path.join(dir, name, 'body'), 'x');
    }
    await removeOrphanedSpools(dir);
    expect((await readdir(dir)).sort()).toEqual([`etalase-upload-${live}-def`, `etalase-upload-${process.pid}-ghi`, 'something-else'].sort());
    await rm(dir, { recursive: true, force: true });
  });

  test('within the budget a body is parsed where it is; past it, it waits on disk, in order, and comes back whole', async () => {
    const gate = admission(150_000);
    const [a, b, c] = await Promise.all([requestOf(100_000), requestOf(100_000), requestOf(100_000)]);
    expect(await gate.admit(a!, fetchAPI)).toBe(a);
    const order: string[] = [];
    const second = gate.admit(b!, fetchAPI).then((r) => (order.push('b'), r));
    await until(() => gate.stats().queued === 1);
    const third = gate.admit(c!, fetchAPI).then((r) => (order.push('c'), r));
    await until(() => gate.stats().queued === 2);
    expect(gate.stats()).toMatchObject({ active: expect.any(Number), queued: 2, spooled: 2 });
    expect(order).toEqual([]);
    expect((await readdir(spoolDir)).length).toBe(2);

    gate.release(a!);
    const spooledB = await second;
    expect(order).toEqual(['b']);
    const file = (await spooledB.formData()).get('a') as File;
    expect(file.size).toBe(100_000);
    expect(new Uint8Array(await file.arrayBuffer()).every((x) => x === 7)).toBe(true);

    gate.release(b!);
    await third;
    gate.release(c!);
    gate.release(c!); // twice is harmless
    await drained(gate, spoolDir);
  });

  test('a body bigger than the whole budget runs alone rather than never', async () => {
    const gate = admission(10_000);
    const big = await requestOf(50_000);
    expect(await gate.admit(big, fetchAPI)).toBe(big);
    gate.release(big);
    await drained(gate, spoolDir);
  });

  test('a wait past the limit is a 503 with Retry-After; its file is gone', async () => {
    const gate = admission(150_000, 100);
    const [a, b] = await Promise.all([requestOf(100_000), requestOf(100_000)]);
    await gate.admit(a!, fetchAPI);
    const error = await gate.admit(b!, fetchAPI).catch((e: unknown) => e);
    expect(error).toMatchObject({ extensions: { code: 'SERVER_BUSY', http: { status: 503, headers: { 'retry-after': expect.stringMatching(/^\d+$/) } } } });
    expect(await readdir(spoolDir)).toEqual([]);
    gate.release(a!);
    await drained(gate, spoolDir);
  });

  test('a client that goes away while waiting leaves the queue, and the next one moves up', async () => {
    const gate = admission(150_000);
    const leaving = new AbortController();
    const [a, b, c] = await Promise.all([requestOf(100_000), requestOf(100_000, { signal: leaving.signal }), requestOf(100_000)]);
    await gate.admit(a!, fetchAPI);
    const gone = gate.admit(b!, fetchAPI).catch((e: unknown) => e);
    await until(() => gate.stats().queued === 1);
    const next = gate.admit(c!, fetchAPI);
    await until(() => gate.stats().queued === 2);
    leaving.abort();
    expect(await gone).toBeInstanceOf(Error);
    gate.release(a!);
    await next;
    gate.release(c!);
    await drained(gate, spoolDir);
  });

  test('a spooled body over the limit is a 413, and a declared one is refused before a byte is read', async () => {
    const gate = admission(10_000, 10_000, 50_000);
    const holder = await requestOf(5_000);
    await gate.admit(holder, fetchAPI);
    const probe = new Request('http://localhost/graphql', { method: 'POST', body: form(80_000) });
    // No Content-Length (chunked): it counts as the largest body, so it is spooled, and cut at the limit.
    const chunked = new Request('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': probe.headers.get('content-type')! },
      body: probe.body,
      duplex: 'half',
    } as RequestInit);
    await expect(gate.admit(chunked, fetchAPI)).rejects.toMatchObject({ extensions: { http: { status: 413 } } });
    await expect(gate.admit(await requestOf(80_000), fetchAPI)).rejects.toMatchObject({ extensions: { http: { status: 413 } } });
    gate.release(holder);
    expect(await readdir(spoolDir)).toEqual([]);
  });
});

const GENERATE = `mutation Generate($input: GenerateImagesInput!) { startGeneration(input: $input) {
  __typename ... on StartGenerationSuccess { generation { id status } } ... on Error { message } } }`;

describe('the app under an upload budget smaller than one request', () => {
  let t: TestApp;
  let photo: Uint8Array;
  let largest = 0;
  beforeAll(async () => {
    t = await startTestApp({ UPLOAD_MEMORY_MB: '1', UPLOAD_WAIT_MS: '60000', WORKER_CONCURRENCY: '0' });
    // Noise does not compress: two of these are most of the 1 MB budget, so no two requests fit at once.
    const noise = { type: 'gaussian' as const, mean: 128, sigma: 40 };
    const noisy = sharp({ create: { width: 680, height: 680, channels: 3, noise } } as SharpOptions);
    photo = new Uint8Array(await noisy.jpeg({ quality: 90 }).toBuffer());
  });
  afterAll(() => t.close());

  const send = async (user: string, extra: Record<string, string> = {}) => {
    const body = multipartBody(GENERATE, { input: { productImages: [null, null] } }, [
      { path: 'input.productImages.0', bytes: photo },
      { path: 'input.productImages.1', bytes: photo },
    ]);
    // With its length, as a browser sends it: that is what the budget counts.
    const encoded = new Request('http://localhost/graphql', { method: 'POST', body });
    const bytes = new Uint8Array(await encoded.arrayBuffer());
    largest = Math.max(largest, bytes.byteLength);
    const response = await t.app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: {
        'x-graphql-yoga-csrf': '1',
        authorization: `Bearer ${await t.token(user)}`,
        'content-type': encoded.headers.get('content-type')!,
        'content-length': String(bytes.byteLength),
        ...extra,
      },
      body: bytes,
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
  };

  test('concurrent uploads all get through, one at a time, and nothing stays held', async () => {
    expect(photo.byteLength).toBeGreaterThan(280_000);
    expect(photo.byteLength).toBeLessThan(500_000);
    const answers = await Promise.all(['a', 'b', 'c', 'd'].map((u) => send(`admission-${u}`)));
    for (const a of answers) expect(a.body.data.startGeneration).toMatchObject({ __typename: 'StartGenerationSuccess', generation: { status: 'QUEUED' } });
    const stats = t.app.uploads.stats();
    expect(stats.spooled).toBeGreaterThan(0);
    expect(stats).toMatchObject({ active: 0, queued: 0 });
    // Never two at once: the budget holds one of these requests, not two.
    expect(stats.peakActive).toBeLessThanOrEqual(Math.max(1024 * 1024, largest));
  });

  test('a request that cannot get its turn in time is a 503 SERVER_BUSY with Retry-After, and costs nothing', async () => {
    const fast = await startTestApp({ UPLOAD_MEMORY_MB: '1', UPLOAD_WAIT_MS: '100', WORKER_CONCURRENCY: '0' });
    try {
      const token = await fast.token('admission-busy');
      const before = (await fast.gql('{ me { coinsBalance } }', {}, { token })).body.data.me.coinsBalance;
      // The whole budget is taken by a request that is not answered yet.
      const holder = await requestOf(900_000);
      await fast.app.uploads.admit(holder, fetchAPI);
      const body = multipartBody(GENERATE, { input: { productImages: [null] } }, [{ path: 'input.productImages.0', bytes: photo }]);
      const response = await fast.app.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'x-graphql-yoga-csrf': '1', authorization: `Bearer ${token}` },
        body,
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await response.json()).errors[0]).toMatchObject({ extensions: { code: 'SERVER_BUSY' } });
      fast.app.uploads.release(holder);
      expect((await fast.gql('{ me { coinsBalance } }', {}, { token })).body.data.me.coinsBalance).toBe(before);
    } finally {
      await fast.close();
    }
  });
});

test('over real HTTP, uploads past the budget wait on disk and all get through', async () => {
  const server = await startServer({ UPLOAD_MEMORY_MB: '1', WORKER_CONCURRENCY: '0' });
  try {
    const noise = { type: 'gaussian' as const, mean: 128, sigma: 40 };
    const photo = new Uint8Array(await sharp({ create: { width: 680, height: 680, channels: 3, noise } } as SharpOptions).jpeg({ quality: 90 }).toBuffer());
    const send = async (user: string) => {
      const body = multipartBody(GENERATE, { input: { productImages: [null, null] } }, [
        { path: 'input.productImages.0', bytes: photo },
        { path: 'input.productImages.1', bytes: photo },
      ]);
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'x-graphql-yoga-csrf': '1', authorization: `Bearer ${await server.token(user)}` },
        body,
      });
      return (await response.json()) as any;
    };
    const answers = await Promise.all(['a', 'b', 'c', 'd'].map((u) => send(`http-admission-${u}`)));
    for (const a of answers) expect(a.data?.startGeneration, JSON.stringify(a)).toMatchObject({ __typename: 'StartGenerationSuccess' });
  } finally {
    await server.close();
  }
});
