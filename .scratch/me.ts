// in-process throughput of { me { coinsBalance } } via yoga.fetch, concurrency 32
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os'; import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/app.js';
import { withDatabase } from '../bench/database.js';
import { execFileSync } from 'node:child_process';
const query = process.argv[2] ?? '{ me { coinsBalance } }';
await withDatabase('me', async (url) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'me-'));
  const env = { DATA_DIR: dir, DATABASE_URL: url, RATE_LIMITS: 'off', LOG_LEVEL: 'error', SIGNUP_COINS: '1000', RECOVERY_INTERVAL_MS: '0' };
  const app = await createApp(loadConfig(env));
  const token = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/dev-token.ts', '--user', 'bench'], { env: { ...process.env, ...env } }).toString().trim();
  const body = JSON.stringify({ query });
  const one = () => app.yoga.fetch('http://x/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body }).then((r) => r.text());
  console.log(await one());
  const { readFileSync } = await import('node:fs');
  const machine = () => { const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number); return { busy: f[0]! + f[1]! + f[2]! + f[5]! + f[6]!, all: f.reduce((a, b) => a + b, 0) }; };
  for (const secs of [3, 5, 5]) {
    const m0 = machine();
    let n = 0; const end = performance.now() + secs * 1000;
    const cpu0 = process.cpuUsage();
    await Promise.all(Array.from({ length: 32 }, async () => { while (performance.now() < end) { await one(); n++; } }));
    const cpu = process.cpuUsage(cpu0);
    const m1 = machine();
    console.log(`machine busy ${(((m1.busy - m0.busy) * 10000) / n).toFixed(0)} µs/req, `, `${secs}s: ${(n / secs).toFixed(0)} req/s, cpu/req ${((cpu.user + cpu.system) / n).toFixed(0)} µs`);
  }
  await app.close();
});
process.exit(0);
