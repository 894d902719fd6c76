// Peak memory under concurrent uploads (issue 11): the real server as a child process (so its RSS is
// its own, not the client's) on a fresh PostgreSQL database with the local describer and generator,
// then bursts of N concurrent generateImages, each with six 12 MP JPEGs (≈3.7 MB each, bench/photos.ts).
// A fresh server per burst, so each peak (VmHWM) is that burst's. Goals: peak ≤ 1.5 × bytes in flight
// + 150 MB, and 40 at once no higher than 20 (more load queues in the image pool, it does not grow).
//
//   npx tsx bench/memory.ts                 # bursts of 20 and 40
//   BURSTS=10,20,40 npx tsx bench/memory.ts
//   ETALASE_BENCH_PG_URL=postgres://user@host:5432/postgres npx tsx bench/memory.ts
//   MALLOC_ARENA_MAX=16 npx tsx bench/memory.ts   # glibc's own default on 2 cores (8 per core), instead
//                                                 # of the settings the server gives itself (src/runtime/allocator.ts)
//   SERVER_ENTRY=path/to/other/src/main.ts npx tsx bench/memory.ts              # another checkout, to compare
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDevSecret, signDevToken } from '../src/adapters/auth/dev.js';
import { ALLOCATOR_ENV } from '../src/runtime/allocator.js';
import { withDatabase } from './database.js';
import { ensurePhotos, loadPhotos } from './photos.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BURSTS = (process.env.BURSTS ?? '20,40').split(',').map(Number);
const MB = 1024 * 1024;
/** another entry point that starts the same server (a profiling wrapper, say) */
const ENTRY = process.env.SERVER_ENTRY ?? 'src/main.ts';

const GENERATE = /* GraphQL */ `
  mutation Generate($input: GenerateImagesInput!) {
    generateImages(input: $input) { __typename ... on Error { message } ... on GenerateImagesSuccess { generation { status } } }
  }
`;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

/** VmRSS and VmHWM (the kernel's own peak) of a process, in bytes. */
async function memoryOf(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

interface Server {
  child: ChildProcess;
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

async function startServer(databaseUrl: string): Promise<Server> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'etalase-bench-memory-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    RECOVERY_INTERVAL_MS: '0',
    SIGNUP_COINS: '10',
  };
  // glibc's allocator knobs (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_…) pass through, to measure them.
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('MALLOC_') || k.startsWith('UPLOAD_')) env[k] = v;
  // The server itself (not a tsx wrapper process), so its pid is the one whose memory we read.
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${stderr}`);
    if (await fetch(`${url}/ready`).then((r) => r.ok, () => false)) break;
    if (i > 600) throw new Error(`server not ready after 60 s:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    dataDir,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      if (process.env.SERVER_ENTRY) process.stderr.write(stderr);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function sixPhotoRequest(photos: Blob[], token: string, url: string): Promise<string> {
  const form = new FormData();
  const paths = ['productImages.0', 'productImages.1', 'productImages.2', 'productImages.3', 'faceImage', 'backgroundImage'];
  const variables = { input: { productImages: [null, null, null, null], faceImage: null, backgroundImage: null, options: { contentType: 'MODEL' } } };
  form.append('operations', JSON.stringify({ query: GENERATE, variables }));
  form.append('map', JSON.stringify(Object.fromEntries(paths.map((p, i) => [String(i), [`variables.input.${p}`]]))));
  photos.forEach((photo, i) => form.append(String(i), photo, `photo-${i}.jpg`));
  return fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'x-graphql-yoga-csrf': '1' },
    body: form,
  })
    .then((r) => r.json() as Promise<any>)
    .then((body) => body.data?.generateImages?.generation?.status ?? body.data?.generateImages?.__typename ?? body.errors?.[0]?.message ?? 'no answer');
}

interface BurstResult {
  requests: number;
  bytesInFlight: number;
  idleRss: number;
  peakRss: number;
  goal: number;
  ms: number;
  outcomes: Record<string, number>;
}

async function burst(databaseUrl: string, photos: Blob[], photoBytes: number, requests: number): Promise<BurstResult> {
  const server = await startServer(databaseUrl);
  try {
    const secret = await loadDevSecret(server.dataDir);
    const token = (name: string) => signDevToken(secret, name);
    // A warm-up request, so that lazy start-up costs (sharp, the pool of connections) are in the idle figure.
    await sixPhotoRequest(photos, await token(`warm-${requests}`), server.url);
    const idle = (await memoryOf(server.child.pid!)).rss;
    const tokens = await Promise.all(Array.from({ length: requests }, (_, i) => token(`burst-${requests}-${i}`)));

    let sampledPeak = idle;
    const sampler = setInterval(() => {
      memoryOf(server.child.pid!).then((m) => (sampledPeak = Math.max(sampledPeak, m.rss)), () => {});
    }, 20);
    const started = performance.now();
    const outcomes: Record<string, number> = {};
    await Promise.all(
      tokens.map((t) =>
        sixPhotoRequest(photos, t, server.url).then((outcome) => {
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        }),
      ),
    );
    const ms = performance.now() - started;
    clearInterval(sampler);
    const { hwm } = await memoryOf(server.child.pid!);
    const bytesInFlight = requests * photoBytes;
    return { requests, bytesInFlight, idleRss: idle, peakRss: Math.max(hwm, sampledPeak), goal: 1.5 * bytesInFlight + 150 * MB, ms, outcomes };
  } finally {
    await server.stop();
  }
}

const fmt = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;

await ensurePhotos(1);
const raw = await loadPhotos(0);
const photoBytes = raw.reduce((sum, p) => sum + p.byteLength, 0);
const photos = raw.map((p) => new Blob([p as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }));
const malloc =
  Object.entries(process.env).filter(([k]) => k.startsWith('MALLOC_')).map(([k, v]) => `${k}=${v}`).join(' ') ||
  `as shipped (${Object.entries(ALLOCATOR_ENV).map(([k, v]) => `${k}=${v}`).join(' ')})`;
const uploadMemory = process.env.UPLOAD_MEMORY_MB ? `UPLOAD_MEMORY_MB=${process.env.UPLOAD_MEMORY_MB}` : 'UPLOAD_MEMORY_MB default';
console.log(`six photos per request, ${fmt(photoBytes)} a request; ${os.availableParallelism()} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; malloc: ${malloc}; ${uploadMemory}`);
console.log('requests  in flight   idle RSS   peak RSS   peak−idle   goal (1.5×+150 MB)   ok?   wall     outcomes');

const results = await withDatabase('memory', async (databaseUrl) => {
  const out: BurstResult[] = [];
  for (const n of BURSTS) {
    const r = await burst(databaseUrl, photos, photoBytes, n);
    out.push(r);
    console.log(
      [
        String(n).padStart(8),
        fmt(r.bytesInFlight).padStart(10),
        fmt(r.idleRss).padStart(10),
        fmt(r.peakRss).padStart(10),
        fmt(r.peakRss - r.idleRss).padStart(11),
        fmt(r.goal).padStart(20),
        (r.peakRss <= r.goal ? 'yes' : 'NO').padStart(5),
        `${(r.ms / 1000).toFixed(1)} s`.padStart(8),
        '   ' + JSON.stringify(r.outcomes),
      ].join(' '),
    );
  }
  return out;
});

const at = (n: number) => results.find((r) => r.requests === n);
const [twenty, forty] = [at(20), at(40)];
if (twenty && forty) {
  console.log(
    `40 vs 20: peak ${fmt(forty.peakRss)} vs ${fmt(twenty.peakRss)}; over the bytes in flight ${fmt(forty.peakRss - forty.bytesInFlight)} vs ${fmt(twenty.peakRss - twenty.bytesInFlight)}`,
  );
}

// One entry per setting (glibc defaults, tuned knobs, another budget), kept across runs.
const file = path.join(ROOT, 'bench/results/memory.json');
const kept: Record<string, unknown> = await readFile(file, 'utf8').then((t) => JSON.parse(t), () => ({}));
const mb = (bytes: number) => Math.round(bytes / MB);
kept[`${malloc}; ${uploadMemory}`] = {
  date: new Date().toISOString(),
  cpus: os.availableParallelism(),
  loadavg: os.loadavg(),
  bursts: results.map((r) => ({
    requests: r.requests,
    inFlightMb: mb(r.bytesInFlight),
    idleRssMb: mb(r.idleRss),
    peakRssMb: mb(r.peakRss),
    goalMb: mb(r.goal),
    pass: r.peakRss <= r.goal,
    wallS: Math.round(r.ms / 100) / 10,
    outcomes: r.outcomes,
  })),
};
await writeFile(file, `${JSON.stringify(kept, null, 2)}\n`);
