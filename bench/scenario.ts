// One scenario in its own process (forked by harness.ts), so its memory figures are its own and the
// fakes (in the parent) do not share its event loop. Runs 1 warm-up + BENCH_RUNS measured runs, each
// with six new photos, and reports every run to the parent.
import { loadPhotos } from './photos.js';
import { specOf, type ChildMessage, type MemoryPeaks, type ScenarioName } from './protocol.js';

const name = process.argv[2] as ScenarioName;
const spec = specOf(name);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const urls = { geminiUrl: process.env.BENCH_GEMINI_URL!, falUrl: process.env.BENCH_FAL_URL! };
if (!process.send) throw new Error('bench/scenario.ts is started by bench/run.ts');

const send = (message: ChildMessage) => new Promise<void>((resolve) => process.send!(message, () => resolve()));
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Samples memory every 10 ms while a run is in flight (JS-blocking work can hide a short peak). */
function sampleMemory(): () => MemoryPeaks {
  const peak = { rss: 0, heapUsed: 0, external: 0 };
  const take = () => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
    peak.external = Math.max(peak.external, m.external);
  };
  take();
  const startRss = peak.rss;
  const timer = setInterval(take, 10);
  return () => {
    clearInterval(timer);
    take();
    return { rssMb: mb(peak.rss), rssGrowthMb: mb(peak.rss - startRss), heapUsedMb: mb(peak.heapUsed), externalMb: mb(peak.external) };
  };
}

// Imported on demand: the baseline process never loads the app (nor sharp), and vice versa.
const runner = spec.mode
  ? await (await import('./etalase.js')).startEtalase({ ...urls, mode: spec.mode, promptWriter: spec.promptWriter, mediaResolution: spec.mediaResolution, reviewer: spec.reviewer })
  : await (await import('./baseline.js')).startBaseline(urls);
try {
  if (name === 'etalase-reference' && 'probeBodyLimit' in runner) {
    const { twelveMegapixelJpeg } = await import('../test/helpers/images.js');
    await send({ type: 'probe', ...(await runner.probeBodyLimit(await twelveMegapixelJpeg())) });
  }
  gc();
  const idleRssMb = mb(process.memoryUsage.rss());

  for (let run = 0; run <= runs; run++) {
    const photos = await loadPhotos(spec.repeatPhotos ? 0 : run);
    gc();
    const stop = sampleMemory();
    const result = await runner.run(photos, `bench-user-${run}`);
    const memory = stop();
    await send({ type: 'run', run, warmup: run === 0, memory, ...result });
  }
  if (name === 'etalase-reference') {
    const { profileSharp } = await import('./sharp-profile.js');
    await send({ type: 'profile', steps: await profileSharp(await loadPhotos(runs)) });
  }
  await send({
    type: 'done',
    idleRssMb,
    maxRssMb: mb(process.resourceUsage().maxRSS * 1024),
    sharpConcurrency: spec.mode ? (await import('sharp')).default.concurrency() : null,
  });
} finally {
  await runner.close();
}
process.exit(0);
