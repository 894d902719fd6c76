// `npm run bench -- --only catalog`: catalogues on real PostgreSQL, with a stand-in vendor that takes
// JOB_MS per batch (the local generator plus a fixed delay, like the fal fake's fixed latency).
//   * items per minute for a 50-item catalogue on 1, 2 and 4 workers (one seller may use them all);
//   * fairness: while a 50-item catalogue runs on 4 workers, how long another seller's single batch
//     waits for a worker, with the default cap (WORKER_JOBS_PER_SELLER = workers − 1) and with none;
//   * peak RSS while a 50-item ZIP (one photo per item) is checked, stored and reserved.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { loadDevSecret, signDevToken } from '../src/adapters/auth/dev.js';
import { createLocalGenerator } from '../src/adapters/generate/local.js';
import { createApp, type App } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import type { GenerateRequest, Generator } from '../src/studio/ports.js';
import { catalogZip } from '../test/helpers/catalog-zip.js';

const ADMIN = process.env.ETALASE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const JOB_MS = Number(process.env.BENCH_JOB_MS ?? 1000);
const ITEMS = 50;
const START = `mutation($input: StartCatalogInput!) { startCatalog(input: $input) { __typename ... on Error { message } ... on StartCatalogSuccess { catalog { id } } } }`;
const ONE = `mutation($input: GenerateImagesInput!) { startGeneration(input: $input) { ... on StartGenerationSuccess { generation { id } } } }`;

/** The vendor stand-in: JOB_MS per batch; tells when each generation started. */
function vendor(started: Map<string, number>): Generator {
  const local = createLocalGenerator();
  return {
    ...local,
    async generate(request: GenerateRequest) {
      started.set(request.generationId, performance.now());
      await new Promise((r) => setTimeout(r, JOB_MS));
      return local.generate(request);
    },
  };
}

async function withApp<T>(env: Record<string, string>, generator: Generator, work: (app: App, gql: (token: string, q: string, v?: object) => Promise<any>, token: (user: string) => Promise<string>) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  const name = `etalase_catalog_bench_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  await admin.query(`create database ${name}`);
  const url = new URL(ADMIN);
  url.pathname = `/${name}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'etalase-catalog-bench-'));
  const config = parseConfig({ DATA_DIR: dataDir, DATABASE_URL: url.toString(), RATE_LIMITS: 'off', LOG_LEVEL: 'silent', SIGNUP_COINS: '100000', ...env });
  const app = await createApp(config, { generator });
  const secret = await loadDevSecret(dataDir);
  const gql = async (token: string, query: string, variables: object = {}) =>
    (await app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    })).json();
  try {
    return await work(app, gql, (user) => signDevToken(secret, user));
  } finally {
    await app.close(0);
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function untilFinished(gql: (t: string, q: string, v?: object) => Promise<any>, token: string, id: string) {
  for (;;) {
    const c = (await gql(token, 'query($id: ID!) { catalog(id: $id) { finishedAt } }', { id })).data.catalog;
    if (c.finishedAt) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const items = (prefix: string) => Array.from({ length: ITEMS }, (_, i) => ({ sku: `${prefix}-${i}`, productImages: [] }));

async function itemsPerMinute(workers: number) {
  const started = new Map<string, number>();
  return withApp({ WORKER_CONCURRENCY: String(workers), WORKER_JOBS_PER_SELLER: String(workers) }, vendor(started), async (_app, gql, token) => {
    const seller = await token('throughput');
    const t0 = performance.now();
    const r = await gql(seller, START, { input: { items: items('T'), defaults: { count: 1 } } });
    await untilFinished(gql, seller, r.data.startCatalog.catalog.id);
    const seconds = (performance.now() - t0) / 1000;
    return { workers, seconds: +seconds.toFixed(1), itemsPerMinute: +((ITEMS / seconds) * 60).toFixed(1) };
  });
}

async function otherSellersWait(cap: string) {
  const started = new Map<string, number>();
  return withApp({ WORKER_CONCURRENCY: '4', ...(cap ? { WORKER_JOBS_PER_SELLER: cap } : {}) }, vendor(started), async (_app, gql, token) => {
    const [big, small] = await Promise.all([token('catalogue-seller'), token('single-seller')]);
    const r = await gql(big, START, { input: { items: items('F'), defaults: { count: 1 } } });
    // The other seller arrives once the catalogue has the workers busy.
    while (started.size < 3) await new Promise((res) => setTimeout(res, 10));
    await new Promise((res) => setTimeout(res, JOB_MS / 2));
    const asked = performance.now();
    const id = (await gql(small, ONE, { input: { count: 1 } })).data.startGeneration.generation.id;
    while (!started.has(id)) await new Promise((res) => setTimeout(res, 10));
    const waitMs = started.get(id)! - asked;
    await untilFinished(gql, big, r.data.startCatalog.catalog.id);
    return { cap: cap || 'default (workers − 1 = 3)', waitMs: Math.round(waitMs), waitInJobs: +(waitMs / JOB_MS).toFixed(2) };
  });
}

async function zipMemory() {
  // Noise: a photo that compresses like a real one (~150 KB), so the ZIP is near the one-file limit.
  // BENCH_ZIP_PHOTO=large: 2000 × 1500 photos (~1 MB each, a ~50 MB ZIP, past one multipart request's 6 files).
  const [width, height, quality] = process.env.BENCH_ZIP_PHOTO === 'large' ? [2000, 1500, 85] : [640, 480, 70];
  const photo = new Uint8Array(await sharp({ create: { width, height, channels: 3, background: '#888888', noise: { type: 'gaussian', mean: 128, sigma: 20 } } }).jpeg({ quality }).toBuffer());
  const rows = Array.from({ length: ITEMS }, (_, i) => ({ folder: `p${i}`, files: { 'front.jpg': photo } }));
  const zip = await catalogZip(rows, 'sku,folder\n' + rows.map((r, i) => `Z-${i},${r.folder}`).join('\n'));
  return withApp({ WORKER_CONCURRENCY: '0', UPLOAD_MEMORY_MB: '200' }, createLocalGenerator(), async (app, _gql, token) => {
    const seller = await token('zip-memory');
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: START, variables: { input: { zip: null } } }));
    form.append('map', JSON.stringify({ 0: ['variables.input.zip'] }));
    form.append('0', new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }), 'c.zip');
    const t0 = performance.now();
    const response = await app.yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { authorization: `Bearer ${seller}`, 'x-graphql-yoga-csrf': '1' }, body: form });
    const body = await response.json();
    clearInterval(sampler);
    if (body.data?.startCatalog.__typename !== 'StartCatalogSuccess') throw new Error(JSON.stringify(body));
    return { zipBytes: zip.byteLength, photoBytes: photo.byteLength, items: ITEMS, seconds: +((performance.now() - t0) / 1000).toFixed(1), rssBeforeMb: Math.round(before / 2 ** 20), peakRssMb: Math.round(peak / 2 ** 20), growthMb: Math.round((peak - before) / 2 ** 20) };
  });
}

export async function catalogBench(parts = ['throughput', 'fairness', 'memory']) {
  const throughput = [];
  for (const workers of parts.includes('throughput') ? [1, 2, 4] : []) {
    throughput.push(await itemsPerMinute(workers));
    console.log(throughput.at(-1));
  }
  const fairness = parts.includes('fairness') ? [await otherSellersWait(''), await otherSellersWait('0')] : [];
  fairness.forEach((f) => console.log(f));
  const memory = parts.includes('memory') ? await zipMemory() : null;
  console.log(memory);
  return { jobMs: JOB_MS, items: ITEMS, throughput, fairness, memory };
}

// `tsx bench/catalog.ts [throughput] [fairness] [memory]`: those parts only (all by default).
if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await catalogBench(process.argv.length > 2 ? process.argv.slice(2) : undefined);
  const { writeFile } = await import('node:fs/promises');
  await writeFile(new URL('./results/catalog.json', import.meta.url), `${JSON.stringify({ cpus: os.cpus().length, loadavg: os.loadavg(), date: new Date().toISOString(), result }, null, 2)}\n`);
}
