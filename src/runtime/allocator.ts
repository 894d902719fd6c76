// glibc's malloc gives each thread that allocates (libuv's pool, V8's compiler threads, libvips'
// workers) an arena of its own, up to 8 per core, and keeps what was freed in each. For this server
// that is the difference between meeting and missing its memory goals (npm run bench: 40 concurrent
// six-photo requests 837 → 522 MB peak, the embedded server at rest ≈330 → ≈270 MB). The settings
// are read once, when the process starts, so a server started without them replaces itself
// (process.execve: same pid, same arguments) with one that has them. Set MALLOC_ARENA_MAX yourself
// (any value) to keep your own allocator settings; other platforms and allocators are left alone.
import { platform } from 'node:process';
import { allocatorRestartEnv } from '../config.js';

export const ALLOCATOR_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' } as const;

function usesGlibc(): boolean {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return Boolean(header?.glibcVersionRuntime);
}

export function tuneAllocator(): void {
  if (platform !== 'linux' || typeof process.execve !== 'function' || !usesGlibc()) return;
  const env = allocatorRestartEnv(ALLOCATOR_ENV);
  if (env) process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], env);
}
