// The entry points run under glibc's allocator settings (src/runtime/allocator.ts), replacing
// themselves once at start; an operator's own MALLOC_ARENA_MAX is kept as given.
import { readFile } from 'node:fs/promises';
import { afterAll, test } from 'vitest';
import { ALLOCATOR_ENV } from '../src/runtime/allocator.js';
import { freshDatabase, postgres } from './helpers/postgres.js';
import { startServer, startWorker, type RunningServer } from './helpers/server.js';

const glibc = process.platform === 'linux' && Boolean((process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);
// Each case starts its own processes (they share nothing): the cases run at once, and every process
// is stopped after the file.
const running: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function environOf(server: RunningServer): Promise<Record<string, string>> {
  const text = await readFile(`/proc/${server.child.pid}/environ`, 'utf8');
  return Object.fromEntries(text.split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

test.skipIf(!glibc).concurrent('the server replaces itself with the allocator settings, same pid, and serves', async ({ expect }) => {
  const server = await startServer({});
  running.push(server);
  const env = await environOf(server);
  for (const [name, value] of Object.entries(ALLOCATOR_ENV)) expect(env[name], name).toBe(value);
  expect((await fetch(`${server.url}/ready`)).status).toBe(200);
});

test.skipIf(!glibc || !postgres.url).concurrent('so does `npm run worker`', async ({ expect }) => {
  const db = await freshDatabase('allocator');
  try {
    const worker = await startWorker({ DATABASE_URL: db.url });
    running.push(worker);
    expect((await environOf(worker)).MALLOC_ARENA_MAX).toBe(ALLOCATOR_ENV.MALLOC_ARENA_MAX);
    await worker.close();
  } finally {
    await db.drop();
  }
});

test.skipIf(!glibc).concurrent('an operator\'s own MALLOC_ARENA_MAX is left as it is', async ({ expect }) => {
  const server = await startServer({ MALLOC_ARENA_MAX: '4' });
  running.push(server);
  const env = await environOf(server);
  expect(env.MALLOC_ARENA_MAX).toBe('4');
  expect(env.MALLOC_MMAP_THRESHOLD_).toBeUndefined();
});
