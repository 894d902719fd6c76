// Idle memory (issue 11): resident memory of a server at rest after its first request, measured from
// outside (VmRSS of the child process), 3 s after that request and again at 30 s: V8 gives its
// heap back only once the allocation rate has stayed low for a while (its memory reducer), so the
// embedded server reads ≈330 MB at 3 s and ≈280 MB from about 15 s on. The goal is judged at rest (30 s). The embedded default (PGlite in the process, `npm start` on a
// fresh clone), the same server on PostgreSQL, and a bare graphql-yoga on the same schema, in one run.
// Goal: the embedded default ≤ 300 MB.
//
//   npm run bench -- --only idle
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadDevSecret, signDevToken } from '../src/adapters/auth/dev.js';
import { withDatabase } from './database.js';
import { freePort } from '../test/helpers/ports.js';

const ROOT = new URL('..', import.meta.url).pathname;
const MB = 1024 * 1024;
const GOAL_MB = 300;
const EARLY_MS = 3000;
const REST_MS = 30_000;

const rssOf = async (pid: number) => Number(/^VmRSS:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

async function until(ok: () => Promise<boolean>, what: string, proc: ChildProcess, output: () => string) {
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) throw new Error(`${what} exited (${proc.exitCode}):\n${output()}`);
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} never became ready:\n${output()}`);
}

/** Starts `args`, sends `warm` once ready, lets it settle, reads its RSS, stops it. */
async function idleRss(what: string, args: (port: number) => string[], env: Record<string, string>, ready: (url: string) => Promise<boolean>, warm: (url: string) => Promise<void>) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args(port)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out = (out + d).slice(-4000)));
  proc.stderr!.on('data', (d) => (out = (out + d).slice(-4000)));
  try {
    await until(() => ready(url), what, proc, () => out);
    await warm(url);
    await new Promise((r) => setTimeout(r, EARLY_MS));
    const early = await rssOf(proc.pid!);
    await new Promise((r) => setTimeout(r, REST_MS - EARLY_MS));
    return { early, rest: await rssOf(proc.pid!) };
  } finally {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
}

const ok = (url: string) => fetch(url).then((r) => r.ok, () => false);
const me = async (url: string, dataDir: string) => {
  const token = await signDevToken(await loadDevSecret(dataDir), 'idle-bench');
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ me { coinsBalance } }' }),
  });
  if (!response.ok) throw new Error(`me answered ${response.status}: ${await response.text()}`);
};

export const idleBench = () => withDatabase('idle', measure);

async function measure(databaseUrl: string) {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'etalase-idle-'));
  try {
    const catalog = path.join(scratch, 'catalog.json');
    await writeFile(catalog, '{}');
    const bare = await idleRss('bare Yoga', (port) => ['bench/throughput/bare-yoga.ts', String(port), catalog], {}, (u) => ok(`${u}/graphql?query=%7B__typename%7D`), async () => {});
    const server = (name: string, env: Record<string, string>) => {
      const dataDir = path.join(scratch, name);
      return () => idleRss(name, () => ['src/main.ts'], { DATA_DIR: dataDir, ...env }, (u) => ok(`${u}/ready`), (u) => me(u, dataDir));
    };
    const postgres = await server('postgres', { DATABASE_URL: databaseUrl })();
    const embedded = server('embedded', {});
    const firstStart = await embedded(); // makes the database (initdb) and applies the migrations
    const restart = await embedded(); // what every later `npm start` is
    const rows = [
      { what: 'bare graphql-yoga, same schema, answers from memory', rss: bare },
      { what: 'Etalase on PostgreSQL (DATABASE_URL)', rss: postgres },
      { what: 'Etalase embedded (PGlite), first start', rss: firstStart },
      { what: 'Etalase embedded (PGlite), restarted', rss: restart },
    ];
    const mb = (bytes: number) => Math.round(bytes / MB);
    console.log(`${''.padEnd(55)} ${'at 3 s'.padStart(8)} ${'at rest'.padStart(8)}`);
    for (const r of rows) console.log(`${r.what.padEnd(55)} ${`${mb(r.rss.early)} MB`.padStart(8)} ${`${mb(r.rss.rest)} MB`.padStart(8)}`);
    const worst = Math.max(firstStart.rest, restart.rest);
    console.log(`embedded default at rest: ${mb(worst)} MB (goal ≤ ${GOAL_MB} MB: ${worst <= GOAL_MB * MB ? 'PASS' : 'MISS'}); PGlite's share ≈ ${mb(worst - postgres.rest)} MB`);
    return { goalMb: GOAL_MB, pass: worst <= GOAL_MB * MB, rows: rows.map((r) => ({ what: r.what, rssMbAt3s: mb(r.rss.early), rssMbAtRest: mb(r.rss.rest) })) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
