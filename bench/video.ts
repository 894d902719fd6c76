// `npm run bench -- --only video`: one clip's critical path against its floor, and what it costs.
//   * fal: the app as shipped with VIDEO=fal (Grok Imagine Video, 720p) against the wire-level fake
//     whose video job takes VIDEO_JOB_MS; startVideo → FINISHED (heard on the events, as a client
//     hears it), split with the fake's request log: the request (reserve + enqueue), the worker's
//     pickup and the image upload to fal storage, the fal job itself (the floor), poll lag, then our
//     download and finishing (FFmpeg remux to +faststart, poster) and storing;
//   * spend: fal's list price for what was submitted (studio/video-profiles.ts), per clip, and for a
//     clip of each profiled model;
//   * local: the offline maker's render of a 6 s 720p clip (what `npm start` does without keys).
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadDevSecret, signDevToken, userIdFor } from '../src/adapters/auth/dev.js';
import { createApp } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { DEFAULT_CLIP_SECONDS, VIDEO_PROFILES, clipDuration, videoProfile } from '../src/studio/video-profiles.js';
import { startFalFake } from '../test/fakes/fal.js';

export const VIDEO_JOB_MS = 5000;
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const START = `mutation($input: StartVideoInput!) { startVideo(input: $input) { ... on StartVideoSuccess { video { id } } ... on Error { message } } }`;

async function withApp<T>(env: Record<string, string>, work: (gql: (q: string, v?: Record<string, unknown>) => Promise<any>, app: Awaited<ReturnType<typeof createApp>>) => Promise<T>) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'etalase-video-bench-'));
  const app = await createApp(parseConfig({ DATA_DIR: dataDir, RATE_LIMITS: 'off', LOG_LEVEL: 'silent', SIGNUP_COINS: '100000', ...env }));
  const token = await signDevToken(await loadDevSecret(dataDir), 'video-bench');
  const gql = (query: string, variables: Record<string, unknown> = {}) =>
    Promise.resolve(app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    })).then((r) => r.json() as Promise<any>);
  try {
    return await work(gql, app);
  } finally {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** startVideo → FINISHED, in ms, heard on the events by the key sent (as the page does). */
async function oneClip(gql: (q: string, v?: Record<string, unknown>) => Promise<any>, app: Awaited<ReturnType<typeof createApp>>, imageId: string) {
  const key = randomUUID();
  const watch = await app.services.events.subscribe({ userId: userIdFor('video-bench'), idempotencyKey: key });
  const t0 = performance.now();
  const started = Date.now();
  let answered = 0;
  const finished = (async () => {
    for await (const event of watch) if (event.stage === 'FINISHED') return { at: Date.now(), ms: performance.now() - t0, status: event.status };
    throw new Error('the events ended before FINISHED');
  })();
  const answer = await gql(START, { input: { imageId, version: 'B', idempotencyKey: key } });
  answered = Date.now();
  if (!answer.data?.startVideo?.video) throw new Error(`startVideo: ${JSON.stringify(answer)}`);
  const end = await finished;
  await watch.return(undefined);
  if (end.status !== 'SUCCEEDED') throw new Error(`the clip ended ${end.status}`);
  return { started, answered, finishedAt: end.at, ms: end.ms };
}

export async function videoBench() {
  const fal = await startFalFake({ latencyMs: VIDEO_JOB_MS });
  try {
    const falRuns = await withApp({ GENERATOR: 'local', VIDEO: 'fal', FAL_KEY: 'bench', FAL_BASE_URL: fal.url }, async (gql, app) => {
      const batch = await gql('mutation { generateImages(input: { count: 1 }) { ... on GenerateImagesSuccess { generation { images { id } } } } }');
      const imageId = batch.data.generateImages.generation.images[0].id;
      const runs = [];
      for (let i = 0; i <= RUNS; i++) {
        fal.reset();
        fal.script({ latencyMs: VIDEO_JOB_MS });
        const clip = await oneClip(gql, app, imageId);
        const at = (stage: string, last = false) => {
          const found = fal.requests.filter((r) => r.stage === stage);
          return (last ? found.at(-1) : found[0])?.at ?? NaN;
        };
        const submit = at('submit');
        const result = at('result', true);
        const job = fal.jobs[0]!;
        const profile = videoProfile(job.app);
        const phases = {
          'request: reserve + enqueue (startVideo answered)': clip.answered - clip.started,
          'pickup + image upload to fal storage': submit - clip.answered,
          'fal job (the floor)': VIDEO_JOB_MS,
          'poll lag (result fetched - submitted - job)': result - submit - VIDEO_JOB_MS,
          'download + FFmpeg finish + store + settle': clip.finishedAt - result,
        };
        runs.push({ warmup: i === 0, ms: clip.ms, phases, usd: profile.price.usd(Number(job.input.duration), job.input.resolution ?? '720p'), input: job.input });
        process.stdout.write(`${Math.round(clip.ms)}${i === 0 ? ' (warm-up)' : ''} `);
      }
      return runs;
    });
    const measured = falRuns.filter((r) => !r.warmup);
    const pick = measured.find((r) => r.ms === median(measured.map((m) => m.ms)))!;

    const localRuns = await withApp({ GENERATOR: 'local', VIDEO: 'local' }, async (gql, app) => {
      const batch = await gql('mutation { generateImages(input: { count: 1 }) { ... on GenerateImagesSuccess { generation { images { id } } } } }');
      const imageId = batch.data.generateImages.generation.images[0].id;
      const runs = [];
      for (let i = 0; i <= RUNS; i++) runs.push({ warmup: i === 0, ms: (await oneClip(gql, app, imageId)).ms });
      return runs;
    });

    const spend = VIDEO_PROFILES.filter((p) => p.id !== 'local').map((p) => {
      const seconds = clipDuration(p, DEFAULT_CLIP_SECONDS).seconds;
      return { model: p.id, seconds, unit: p.price.unit, usd: Math.round(p.price.usd(seconds, '720p') * 1000) / 1000 };
    });
    const result = {
      floorMs: VIDEO_JOB_MS,
      fal: {
        medianMs: Math.round(median(measured.map((r) => r.ms))),
        overFloorMs: Math.round(median(measured.map((r) => r.ms)) - VIDEO_JOB_MS),
        ratioToFloor: Math.round((median(measured.map((r) => r.ms)) / VIDEO_JOB_MS) * 100) / 100,
        runsMs: falRuns.map((r) => Math.round(r.ms)),
        medianRunPhasesMs: Object.fromEntries(Object.entries(pick.phases).map(([k, v]) => [k, Math.round(v)])),
        submitted: pick.input,
        usdPerClip: pick.usd,
      },
      local: { medianMs: Math.round(median(localRuns.filter((r) => !r.warmup).map((r) => r.ms))), runsMs: localRuns.map((r) => Math.round(r.ms)) },
      spendPerClip: spend,
    };
    console.log(`\nfal clip: median ${result.fal.medianMs} ms end to end against a ${VIDEO_JOB_MS} ms job (${result.fal.ratioToFloor}× the floor, +${result.fal.overFloorMs} ms)`);
    for (const [phase, ms] of Object.entries(result.fal.medianRunPhasesMs)) console.log(`  ${phase.padEnd(48)} ${ms} ms`);
    console.log(`local clip (FFmpeg, 6 s 720p): median ${result.local.medianMs} ms`);
    console.log('provider spend per clip (list price, 720p):');
    for (const s of spend) console.log(`  ${s.model.padEnd(55)} ${s.seconds} s  $${s.usd}  (${s.unit})`);
    return result;
  } finally {
    await fal.close();
  }
}
