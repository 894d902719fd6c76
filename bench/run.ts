// `npm run bench`: Etalase's generateImages end to end vs the original sequential design, on the
// wire-level fakes with fixed latencies (Gemini 800 ms per call, fal 1500 ms per job). See README.md.
import os from 'node:os';
import { startFalFake } from '../test/fakes/fal.js';
import { startGeminiFake } from '../test/fakes/gemini.js';
import { runScenario } from './harness.js';
import { ensurePhotos } from './photos.js';
import { LATENCY, SCENARIOS, type ScenarioName } from './protocol.js';
import { goals, printTable, summarise, writeJson, type Summary } from './report.js';

const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const started = performance.now();
const loadavgStart = os.loadavg();

console.log(`Node ${process.version}, ${os.cpus().length} CPUs, load average ${loadavgStart.map((l) => l.toFixed(2)).join(' ')}; ${runs} runs + 1 warm-up per scenario`);
console.log(`Photos: ${await ensurePhotos(runs + 1)} made (kept in the OS temp dir for next time).`);
const gemini = await startGeminiFake({ latencyMs: LATENCY.describeMs });
const fal = await startFalFake({ latencyMs: LATENCY.generateMs });

const summaries: Partial<Record<ScenarioName, Summary>> = {};
for (const name of Object.keys(SCENARIOS) as ScenarioName[]) {
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
