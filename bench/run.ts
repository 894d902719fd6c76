// `npm run bench [-- --only critical|throughput|queue|memory|idle|video|listing]`: every part by default.
//   critical   Etalase's generateImages end to end vs the original sequential design, on the wire-level
//              fakes with fixed latencies (Gemini 800 ms per call, fal 1500 ms per job). See README.md.
//   throughput requests per second against a bare Yoga on the same schema (bench/throughput.ts)
//   queue      jobs/s through the queue, transactions per generation, ledger round trips (bench/queue.ts)
//   memory     peak RSS under 20 and 40 concurrent six-photo requests (bench/memory.ts)
//   idle       resting RSS: the embedded default, the same server on PostgreSQL, a bare Yoga (bench/idle.ts)
//   video      a clip's critical path against its floor (the fal job), spend per clip (bench/video.ts)
//   listing    a packshot against its floor (one cutout call), bytes per export (bench/listing.ts)
//   catalog    a 50-item catalogue: items/minute on 1, 2, 4 workers, another seller's wait, ZIP memory (bench/catalog.ts)
// BENCH_SCENARIOS=baseline,etalase-text,… runs only those critical scenarios (bench/protocol.ts names them).
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { startFalFake } from '../test/fakes/fal.js';
import { startGeminiFake } from '../test/fakes/gemini.js';
import { runScenario } from './harness.js';
import { ensurePhotos } from './photos.js';
import { LATENCY, SCENARIOS, type ScenarioName } from './protocol.js';
import { goals, printTable, summarise, writeJson, type Summary } from './report.js';
import { idleBench } from './idle.js';
import { queueBench } from './queue.js';
import { throughputBench } from './throughput.js';
import { videoBench } from './video.js';
import { listingBench } from './listing.js';
import { catalogBench } from './catalog.js';
import { writeFile } from 'node:fs/promises';

const PARTS = ['critical', 'throughput', 'queue', 'memory', 'idle', 'video', 'listing', 'catalog'] as const;
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : null;
if (only && !(PARTS as readonly string[]).includes(only)) {
  console.error(`--only takes one of: ${PARTS.join(', ')}`);
  process.exit(2);
}
const wanted = (part: (typeof PARTS)[number]) => !only || only === part;
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const started = performance.now();
const loadavgStart = os.loadavg();

console.log(`Node ${process.version}, ${os.cpus().length} CPUs, load average ${loadavgStart.map((l) => l.toFixed(2)).join(' ')}; ${runs} runs + 1 warm-up per scenario`);
if (wanted('critical')) await critical();
/** One part: its figures printed by itself and kept in results/<name>.json with the machine's load. */
async function part(name: (typeof PARTS)[number], measure: () => Promise<unknown>, key = 'result') {
  if (!wanted(name)) return;
  console.log(`\n== ${name}`);
  const figures = await measure();
  const file = new URL(`./results/${name}.json`, import.meta.url);
  await writeFile(file, `${JSON.stringify({ cpus: os.cpus().length, loadavg: os.loadavg(), date: new Date().toISOString(), [key]: figures }, null, 2)}\n`);
}
await part('throughput', throughputBench, 'results');
await part('queue', queueBench);
await part('idle', idleBench);
await part('video', videoBench);
await part('listing', listingBench);
await part('catalog', catalogBench);
if (wanted('memory')) {
  console.log('\n== memory');
  spawnSync(process.execPath, ['--import', 'tsx', 'bench/memory.ts'], { cwd: new URL('..', import.meta.url).pathname, stdio: 'inherit' });
}

async function critical() {
  console.log(`Photos: ${await ensurePhotos(runs + 1)} made (kept in the OS temp dir for next time).`);
  const gemini = await startGeminiFake({ latencyMs: LATENCY.describeMs });
  const fal = await startFalFake({ latencyMs: LATENCY.generateMs });

  const summaries: Partial<Record<ScenarioName, Summary>> = {};
  const chosen = process.env.BENCH_SCENARIOS?.split(',').map((n) => n.trim());
  for (const name of Object.keys(SCENARIOS) as ScenarioName[]) {
    if (chosen && !chosen.includes(name)) continue;
    process.stdout.write(`${SCENARIOS[name].label}: `);
    const result = await runScenario(name, { gemini, fal }, runs, (r) => process.stdout.write(`${Math.round(r.ms)}${r.warmup ? ' (warm-up)' : ''} `));
    console.log(result.error ? `FAILED\n${result.error}` : 'ms');
    summaries[name] = summarise(result);
  }
  await Promise.all([gemini.close(), fal.close()]);

  const goalList = goals(summaries);
  printTable(summaries, goalList);
  const file = new URL('./results/latest.json', import.meta.url).pathname;
  await writeJson(file, summaries, goalList, { runs, loadavgStart, durationS: (performance.now() - started) / 1000 });
  console.log(`\nWrote ${file}`);
}
