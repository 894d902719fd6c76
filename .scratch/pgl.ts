import { PGlite } from '@electric-sql/pglite';
import { applyMigrations } from '/work/main/src/adapters/ledger/migrate.ts';
import { pgliteRunner } from '/work/main/src/adapters/ledger/pglite.ts';
import { mkdtemp } from 'node:fs/promises';
const rss = () => (process.memoryUsage().rss / 1048576).toFixed(0);
console.log('start', rss());
const params = process.env.PARAMS ? [...PGlite.defaultStartParams, ...process.env.PARAMS.split(' ')] : undefined;
const opts: any = { dataDir: await mkdtemp('/tmp/pgl-') };
if (params) opts.startParams = params;
if (process.env.INIT) opts.initialMemory = Number(process.env.INIT) * 1048576;
const pg = await PGlite.create(opts);
console.log('created', rss(), 'wasm', ((pg as any).mod?.HEAPU8?.length / 1048576) || '?');
await applyMigrations(pgliteRunner(pg), { authStandIn: true });
console.log('migrated', rss(), 'wasm', ((pg as any).mod?.HEAPU8?.length / 1048576) || '?');
console.log((await pg.query('show shared_buffers')).rows, (await pg.query('show work_mem')).rows);
global.gc?.();
await new Promise(r => setTimeout(r, 1000));
console.log('settled', rss(), JSON.stringify(process.memoryUsage()));
import { readFileSync } from 'node:fs';
const smaps = readFileSync('/proc/self/smaps', 'utf8').split('\n');
let cur = ''; const out: [number, string][] = [];
for (const line of smaps) {
  if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) cur = line;
  else if (line.startsWith('Rss:')) { const kb = Number(line.split(/\s+/)[1]); if (kb > 8000) out.push([kb, cur]); }
}
out.sort((a, b) => b[0] - a[0]).slice(0, 15).forEach(([kb, l]) => console.log((kb/1024).toFixed(0).padStart(6), l));
