// The real `npm start` entry as a child process, for HTTP-level and crash tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadDevSecret, signDevToken } from '../../src/adapters/auth/dev.js';
import { parseConfig } from '../../src/config.js';
import { seedPglite } from './pglite-template.js';
import { freePort } from './ports.js';

export interface RunningServer {
  url: string;
  dataDir: string;
  child: ChildProcess;
  output(): string;
  /** a dev token this server accepts (same DATA_DIR secret) */
  token(user: string): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** stops the server and removes the DATA_DIR it made (one given in env is left alone) */
  close(): Promise<void>;
}

/** `npm run worker` as a child process: no HTTP; ready once it logs that it started. */
export async function startWorker(env: Record<string, string>, timeoutMs = 60_000): Promise<RunningServer> {
  return startServer(env, timeoutMs, 'src/worker.ts');
}

/** The child's config as it will read it (an env it will refuse is left for it to refuse). */
async function seedServerPglite(env: Record<string, string>, dataDir: string) {
  let config;
  try {
    config = parseConfig({ DATA_DIR: dataDir, ...env });
  } catch {
    return;
  }
  await seedPglite(config, dataDir);
}

/** Without DATA_DIR in `env`, the server gets a temporary one of its own. */
export async function startServer(env: Record<string, string>, timeoutMs = 60_000, entry = 'src/main.ts'): Promise<RunningServer> {
  const ownDataDir = env.DATA_DIR ? null : await mkdtemp(path.join(os.tmpdir(), 'etalase-server-'));
  const dataDir = env.DATA_DIR ?? ownDataDir!;
  if (ownDataDir) await seedServerPglite(env, ownDataDir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: new URL('../..', import.meta.url).pathname,
    // Fair-use limits off unless a test turns them on: clusters send many batches from one user.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url, DATA_DIR: dataDir, RATE_LIMITS: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${log}`);
    const ok =
      entry === 'src/main.ts' ? await fetch(`${url}/health`).then((r) => r.ok, () => false) : /"message":"worker started"/.test(log);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become healthy:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null) child.kill(signal);
    return exited;
  };
  return {
    url,
    dataDir,
    child,
    output: () => log,
    token: async (user) => signDevToken(await loadDevSecret(dataDir), user),
    stop,
    async close() {
      await stop();
      if (ownDataDir) await rm(ownDataDir, { recursive: true, force: true });
    },
  };
}
