// Once per test run: find the PostgreSQL the suites will use (ETALASE_TEST_PG_URL, default local trust
// auth) or start a throwaway cluster, and hand its admin URL to every test file through
// provide/inject. test/helpers/postgres.ts falls back to the same search, per file, when this global
// setup is not configured. No vitest runtime import here: this module also loads in the main process.
import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { freePort } from '../helpers/ports.js';

const run = promisify(execFile);
export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface PostgresAvailability {
  /** admin URL (a superuser, database `postgres`), or null when there is no server */
  url: string | null;
  reason: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    etalasePostgres: PostgresAvailability;
  }
}

export default async function setup(project: TestProject) {
  const { stop, ...availability } = await resolvePostgres();
  project.provide('etalasePostgres', availability);
  return async () => {
    await stop?.();
  };
}

export async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function findInitdb(): Promise<string | null> {
  const root = '/usr/lib/postgresql';
  const versions = await readdir(root).catch(() => [] as string[]);
  for (const v of versions.sort((a, b) => Number(b) - Number(a))) {
    const bin = path.join(root, v, 'bin');
    if ((await readdir(bin).catch(() => [] as string[])).includes('initdb')) return bin;
  }
  return null;
}


/** A cluster in a temp dir, as the postgres user (initdb refuses root), fsync off: ~2 s to start. */
export async function startThrowawayCluster(): Promise<{ url: string; stop(): Promise<void> } | null> {
  const bin = await findInitdb();
  if (!bin) return null;
  const dir = await mkdtemp(path.join(tmpdir(), 'etalase-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    await chown(dir, uid, gid);
  }
  const pgRun = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]) : run(path.join(bin, tool), args);
  const port = await freePort();
  const settings = [
    `-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', '-c synchronous_commit=off',
    '-c full_page_writes=off', '-c max_connections=200',
  ].join(' ');
  try {
    await pgRun('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    await pgRun('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-o', settings, '-w', '-t', '30', 'start']);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await pgRun('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** What the global setup does once per run; also the fallback when it was not configured. */
export async function resolvePostgres(): Promise<PostgresAvailability & { stop?: () => Promise<void> }> {
  const configured = process.env.ETALASE_TEST_PG_URL || DEFAULT_ADMIN_URL;
  if (await reachable(configured)) return { url: configured, reason: `server at ${redact(configured)}` };
  const cluster = await startThrowawayCluster().catch((error: Error) => {
    console.warn(`[postgres] could not start a throwaway cluster: ${error.message}`);
    return null;
  });
  if (cluster) return { url: cluster.url, reason: 'throwaway cluster', stop: cluster.stop };
  return { url: null, reason: `no PostgreSQL at ${redact(configured)} and no initdb under /usr/lib/postgresql/*/bin` };
}

const redact = (url: string) => url.replace(/:[^:@/]*@/, ':***@');

