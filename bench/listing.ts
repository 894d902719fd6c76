// `npm run bench -- --only listing`: a packshot's critical path against its floor, and bytes per export.
//   * fal: the app as shipped with CUTOUT=fal (BiRefNet v2) against the wire-level fake whose cutout
//     job takes CUTOUT_JOB_MS (the floor: one cutout call); generateImages(PACKSHOT) → answered;
//   * local: CUTOUT=local end to end, against its own floor: one offline cut of the same photo;
//   * bytes per export: the packshot made to every preset, and a scene (not white) made to every preset.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadDevSecret, signDevToken } from '../src/adapters/auth/dev.js';
import { cutOutPlainBackdrop } from '../src/adapters/cutout/local.js';
import { createApp } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { MARKETPLACE_PRESETS } from '../src/studio/marketplace-presets.js';
import { startFalFake } from '../test/fakes/fal.js';
import { multipartBody } from '../test/helpers/app.js';
import { lifestyleScene, productOnColour } from '../test/helpers/images.js';

export const CUTOUT_JOB_MS = 1500;
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const GENERATE = `mutation($input: GenerateImagesInput!) { generateImages(input: $input) {
  ... on GenerateImagesSuccess { generation { status images { width height exports { preset width height bytes compliance { passed } } } } }
  ... on Error { message } } }`;

async function withApp<T>(env: Record<string, string>, work: (generate: (input: Record<string, unknown>, photo: Uint8Array) => Promise<any>) => Promise<T>) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'etalase-listing-bench-'));
  const app = await createApp(parseConfig({ DATA_DIR: dataDir, RATE_LIMITS: 'off', LOG_LEVEL: 'silent', SIGNUP_COINS: '100000', ...env }));
  const token = await signDevToken(await loadDevSecret(dataDir), 'listing-bench');
  const generate = async (input: Record<string, unknown>, photo: Uint8Array) => {
    const body = multipartBody(GENERATE, { input: { productImages: [null], ...input } }, [{ path: 'input.productImages.0', bytes: photo }]);
    const response = await app.yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'x-graphql-yoga-csrf': '1', authorization: `Bearer ${token}` }, body });
    const json = (await response.json()) as any;
    const g = json.data?.generateImages?.generation;
    if (g?.status !== 'SUCCEEDED') throw new Error(`generateImages: ${JSON.stringify(json)}`);
    return g;
  };
  try {
    return await work(generate);
  } finally {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function timed(generate: (input: Record<string, unknown>, photo: Uint8Array) => Promise<any>, photo: Uint8Array, input: Record<string, unknown>) {
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    await generate(input, photo);
    if (i > 0) times.push(performance.now() - t0);
  }
  return median(times);
}

export async function listingBench() {
  const photo = await productOnColour();
  const fal = await startFalFake({ key: 'bench', latencyMs: CUTOUT_JOB_MS });
  const falMs = await withApp({ CUTOUT: 'fal', FAL_KEY: 'bench', FAL_BASE_URL: fal.url, GENERATOR: 'local', VIDEO: 'local' }, (g) =>
    timed(g, photo, { mode: 'PACKSHOT', exports: ['TOKOPEDIA'] }),
  ).finally(() => fal.close());
  console.log(`packshot, CUTOUT=fal (cutout job ${CUTOUT_JOB_MS} ms): ${Math.round(falMs)} ms (${(falMs / CUTOUT_JOB_MS).toFixed(2)}× the floor)`);

  const cuts: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    await cutOutPlainBackdrop(photo);
    if (i > 0) cuts.push(performance.now() - t0);
  }
  const localFloor = median(cuts);
  const bytes: Record<string, unknown> = {};
  const localMs = await withApp({ CUTOUT: 'local' }, async (g) => {
    const ms = await timed(g, photo, { mode: 'PACKSHOT', exports: ['TOKOPEDIA'] });
    const packshot = await g({ mode: 'PACKSHOT', exports: MARKETPLACE_PRESETS }, photo);
    const scene = await g({ mode: 'TEXT_TO_IMAGE', count: 1, exports: MARKETPLACE_PRESETS }, await lifestyleScene(1200, 900));
    for (const [name, g2] of [['packshot', packshot], ['scene', scene]] as const) {
      bytes[name] = Object.fromEntries(g2.images[0].exports.map((e: any) => [e.preset, { size: `${e.width}×${e.height}`, bytes: e.bytes, failed: e.compliance.filter((c: any) => !c.passed).length }]));
    }
    return ms;
  });
  console.log(`packshot, CUTOUT=local: ${Math.round(localMs)} ms against one offline cut of ${Math.round(localFloor)} ms (${(localMs / localFloor).toFixed(2)}×)`);
  console.log('bytes per export:', JSON.stringify(bytes, null, 1));
  return { cutoutJobMs: CUTOUT_JOB_MS, falMs, localMs, localFloorMs: localFloor, bytes };
}
