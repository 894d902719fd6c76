// `npm run bench -- --only throughput`: requests per second of Etalase on PostgreSQL against a bare
// graphql-yoga server answering the same shapes from memory, both in child processes, loaded by
// autocannon from a third process on loopback, in the same run. Rate limits off (RATE_LIMITS=off),
// local providers (instant describer, sharp-made images).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { withDatabase } from './database.js';
import { multipartBody } from '../test/helpers/app.js';
import { jpeg } from '../test/helpers/images.js';
import { freePort } from '../test/helpers/ports.js';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);

interface Load { requests: number; latencyP50: number; latencyP99: number; non2xx: number; errors: number; timeouts: number; total: number }

function child(args: string[], env: Record<string, string>): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d) => { out += d; if (out.includes('ready')) resolve(proc); });
    proc.stderr!.on('data', (d) => (out += d));
    proc.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
}

async function waitHealthy(url: string) {
  for (let i = 0; i < 300; i++) {
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} never became healthy`);
}

async function load(options: Record<string, unknown>): Promise<Load> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/throughput/load.ts', JSON.stringify({ duration: SECONDS, ...options })], { cwd: ROOT, maxBuffer: 1 << 24 });
  return JSON.parse(stdout.slice(stdout.lastIndexOf("RESULT ") + 7));
}

// Two Etalase servers: the default one (API and an in-process worker, so every startGeneration also
// costs a generation on the same two cores), and an API-only one (WORKER_CONCURRENCY=0, the layout
// that scales: workers elsewhere) on a database of its own, so no worker takes its jobs.
export const throughputBench = () => withDatabase('throughput', (url) => withDatabase('throughput_api', (apiOnlyUrl) => measure(url, apiOnlyUrl)));

async function measure(databaseUrl: string, apiOnlyDatabaseUrl: string) {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'etalase-throughput-'));
  const [etalasePort, apiOnlyPort, barePort, bareWorkPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const etalaseUrl = `http://127.0.0.1:${etalasePort}`;
  const apiOnlyUrl = `http://127.0.0.1:${apiOnlyPort}`;
  const bareUrl = `http://127.0.0.1:${barePort}`;
  const bareWorkUrl = `http://127.0.0.1:${bareWorkPort}`;
  const procs: ChildProcess[] = [];
  try {
    const server = (port: number, url: string, extra: Record<string, string>) =>
      spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH!, HOME: process.env.HOME!, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: scratch,
          DATABASE_URL: url, RATE_LIMITS: 'off', LOG_LEVEL: 'error', SIGNUP_COINS: '1000000000', RECOVERY_INTERVAL_MS: '0', ...extra,
        },
        stdio: 'ignore',
      });
    // One after the other: the first makes the dev-token secret in DATA_DIR that both then read.
    procs.push(server(etalasePort, databaseUrl, {}));
    await waitHealthy(etalaseUrl);
    procs.push(server(apiOnlyPort, apiOnlyDatabaseUrl, { WORKER_CONCURRENCY: '0' }));
    await waitHealthy(apiOnlyUrl);
    const { stdout: token } = await run(process.execPath, ['--import', 'tsx', 'src/cli/dev-token.ts', '--user', 'bench'], { cwd: ROOT, env: { ...process.env, DATA_DIR: scratch } });
    const auth = { authorization: `Bearer ${token.trim()}` };
    // A refused token would be answered fast (and with 200): check every server that checks it takes it.
    for (const url of [etalaseUrl, apiOnlyUrl]) {
      const me = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{"query":"{ me { coinsBalance } }"}' }).then((r) => r.json() as Promise<any>);
      if (typeof me.data?.me?.coinsBalance !== 'number') throw new Error(`me on ${url}: ${JSON.stringify(me)}`);
    }

    const catalogQuery = '{ styleCatalog { categories { value label labelId } modelTypes { value label labelId } contentTypes { value label labelId } interactions { value label labelId } poses { contentType category poses { value label labelId } } backgrounds { value label labelId } styles { value label labelId } lightings { value label labelId } cameraAngles { value label labelId } aspectRatios { value label labelId } } }';
    const catalog = await fetch(`${etalaseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: catalogQuery }) }).then((r) => r.json() as Promise<any>);
    if (!catalog.data) throw new Error(`styleCatalog: ${JSON.stringify(catalog)}`);
    const catalogFile = path.join(scratch, 'catalog.json');
    await writeFile(catalogFile, JSON.stringify(catalog.data.styleCatalog));
    procs.push(await child(['bench/throughput/bare-yoga.ts', String(barePort), catalogFile], {}));
    // The same work as Etalase's `me`: the token check and get_balance on the same database.
    procs.push(await child(['bench/throughput/bare-yoga.ts', String(bareWorkPort), catalogFile], { BARE_DATABASE_URL: databaseUrl, BARE_DATA_DIR: scratch }));
    const bareMe = await fetch(`${bareWorkUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{"query":"{ me { coinsBalance } }"}' }).then((r) => r.json() as Promise<any>);
    if (typeof bareMe.data?.me?.coinsBalance !== 'number') throw new Error(`me on the bare Yoga: ${JSON.stringify(bareMe)}`);

    // Six small photos, as a seller sends them: four of the product, a face, a background.
    const photo = await jpeg({ width: 256, height: 256 });
    const slots = ['productImages.0', 'productImages.1', 'productImages.2', 'productImages.3', 'faceImage', 'backgroundImage'];
    const uploadCase = async (field: 'generateImages' | 'startGeneration') => {
      const success = field === 'generateImages' ? 'GenerateImagesSuccess' : 'StartGenerationSuccess';
      const mutation = `mutation($input: GenerateImagesInput!) { ${field}(input: $input) { __typename ... on ${success} { remainingCoins } } }`;
      const variables = { input: { productImages: [null, null, null, null], faceImage: null, backgroundImage: null, count: 1, options: { contentType: 'MODEL' } } };
      const multipart = new Response(multipartBody(mutation, variables, slots.map((slot) => ({ path: `input.${slot}`, bytes: photo }))));
      const bodyFile = path.join(scratch, `${field}.bin`);
      await writeFile(bodyFile, new Uint8Array(await multipart.arrayBuffer()));
      return { connections: 4, method: 'POST', headers: { 'content-type': multipart.headers.get('content-type')!, 'x-graphql-yoga-csrf': '1', ...auth }, bodyFile };
    };

    const json = (query: string) => ({ method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ query }) });
    const startCase = await uploadCase('startGeneration'); // one body file, one boundary, for both servers
    const cases = [
      { name: 'me, against a bare Yoga doing the same token check and get_balance', goal: 0.8, bare: bareWorkUrl, options: { connections: 32, ...json('{ me { coinsBalance } }') } },
      { name: 'me, against a bare Yoga answering from memory', goal: null, options: { connections: 32, ...json('{ me { coinsBalance } }') } },
      { name: 'styleCatalog', goal: 0.9, options: { connections: 32, ...json(catalogQuery) } },
      { name: 'startGeneration (6 small photos)', goal: null, latencyGoal: 1.3, options: startCase },
      { name: 'startGeneration (6 small photos), API only', goal: null, latencyGoal: 1.3, url: apiOnlyUrl, options: startCase },
      { name: 'generateImages (6 small photos)', goal: null, latencyGoal: 1.3, options: await uploadCase('generateImages') },
    ];
    const results = [];
    for (const c of cases) {
      // Each case once first: the load is only worth measuring if the server says yes to it.
      const target = `${'url' in c ? c.url : etalaseUrl}/graphql`;
      const { bodyFile, ...init } = c.options as typeof c.options & { bodyFile?: string };
      const once = await fetch(target, { ...init, body: bodyFile ? await readFile(bodyFile) : (init as { body?: string }).body });
      const text = await once.text();
      if (!once.ok || text.includes('"errors"')) throw new Error(`${c.name}: ${once.status} ${text.slice(0, 300)}`);
      const bare = await load({ url: `${'bare' in c ? c.bare : bareUrl}/graphql`, ...c.options });
      const ours = await load({ url: `${'url' in c ? c.url : etalaseUrl}/graphql`, ...c.options });
      const ratio = ours.requests / bare.requests;
      const latencyRatio = ours.latencyP50 / Math.max(bare.latencyP50, 1);
      results.push({ name: c.name, etalase: ours, bare, ratio, latencyRatio, goal: c.goal, latencyGoal: c.latencyGoal ?? null });
      console.log(
        `${c.name}: Etalase ${ours.requests.toFixed(0)} req/s (p50 ${ours.latencyP50} ms, p99 ${ours.latencyP99} ms, non-2xx ${ours.non2xx})` +
          ` | bare Yoga ${bare.requests.toFixed(0)} req/s (p50 ${bare.latencyP50} ms, p99 ${bare.latencyP99} ms)` +
          ` | ${ratio.toFixed(2)}×${c.goal ? ` (goal ≥ ${c.goal}×: ${ratio >= c.goal ? 'PASS' : 'MISS'})` : ''}` +
          `${c.latencyGoal ? `; p50 latency ${latencyRatio.toFixed(2)}× (goal ≤ ${c.latencyGoal}×: ${latencyRatio <= c.latencyGoal ? 'PASS' : 'MISS'})` : ''}`,
      );
    }
    return results;
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    // A server killed mid-write may still be writing its last output: retry the removal.
    await rm(scratch, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }
}
