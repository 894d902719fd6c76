// Etalase as deployed: createApp with the real Gemini and fal adapters pointed at the fakes, PGlite in
// a fresh DATA_DIR, one generateImages per run through yoga.fetch with a real multipart body.
// The ports are the ones createApp would open itself, wrapped only to time their calls (where did
// the milliseconds go?).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadDevSecret, signDevToken } from '../src/adapters/auth/dev.js';
import { openDescriber, openGenerator, openPromptWriter, openReview } from '../src/adapters/wiring.js';
import { createApp } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { createLogger } from '../src/observability/logger.js';
import { multipartBody, type UploadFile } from '../test/helpers/app.js';
import { COUNT } from './protocol.js';

export interface EtalaseOptions {
  mode: 'REFERENCE' | 'TEXT_TO_IMAGE';
  geminiUrl: string;
  falUrl: string;
  /** 'local': the deterministic composer only, no PromptWriter call (as before issue 9) */
  promptWriter?: 'local';
  mediaResolution?: 'low' | 'medium' | 'high';
  /** 'local': no Gemini review call, the measured layer alone */
  reviewer?: 'local';
}

const GENERATE = /* GraphQL */ `
  mutation Generate($input: GenerateImagesInput!) {
    generateImages(input: $input) {
      __typename
      ... on Error { message }
      ... on GenerateImagesSuccess {
        remainingCoins
        generation {
          id status warnings
          descriptions { slot }
          images { url width height videoPrompts { version text } }
        }
      }
    }
  }
`;

interface Span {
  name: string;
  start: number;
  end: number;
}

/** The same object, with every method call's duration pushed to `spans` as `label.method`. */
function timed<T extends object>(target: T, label: string, spans: Span[]): T {
  return new Proxy(target, {
    get(object, key) {
      const value = Reflect.get(object, key, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const start = performance.now();
        const out = value.apply(object, args);
        const record = () => spans.push({ name: `${label}.${String(key)}`, start, end: performance.now() });
        if (out instanceof Promise) return out.finally(record);
        record();
        return out;
      };
    },
  });
}

/** total time at least one of the spans was running */
function unionMs(spans: Span[]): number {
  let total = 0;
  let end = -Infinity;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.end <= end) continue;
    total += s.end - Math.max(s.start, end);
    end = s.end;
  }
  return total;
}

export async function startEtalase(options: EtalaseOptions) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'etalase-bench-'));
  const config = parseConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    DESCRIBER: 'gemini',
    GEMINI_API_KEY: 'bench',
    GEMINI_BASE_URL: options.geminiUrl,
    GENERATOR: 'fal',
    FAL_KEY: 'bench',
    FAL_BASE_URL: options.falUrl,
    ...(options.promptWriter ? { PROMPT_WRITER: options.promptWriter } : {}),
    ...(options.reviewer ? { REVIEWER: options.reviewer } : {}),
    ...(options.mediaResolution ? { GEMINI_MEDIA_RESOLUTION: options.mediaResolution } : {}),
  });
  if (config.generator.kind !== 'fal') throw new Error('expected the fal generator');
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  const spans: Span[] = [];
  const generator = await openGenerator(config, log);
  const app = await createApp(config, {
    log,
    wrapLedger: (ledger) => timed(ledger, 'ledger', spans),
    wrapQueue: (queue) => timed(queue, 'queue', spans),
    describer: timed(await openDescriber(config), 'describer', spans),
    generator: timed(generator, 'generator', spans),
    // PROMPT_WRITER defaults to gemini with a key: its one text call sits on the critical path
    promptWriter: (await openPromptWriter(config).then((w) => w && timed(w, 'writer', spans))) ?? null,
    // REVIEWER defaults to gemini with a key: one review call per image, concurrently
    review: await openReview(config).then((r) => ({ checks: r.checks, reviewer: r.reviewer && timed(r.reviewer, 'reviewer', spans) })),
  });
  app.services.studio = timed(app.services.studio, 'studio', spans);
  const secret = await loadDevSecret(dataDir);

  async function send(photos: Uint8Array[], user: string) {
    const token = await signDevToken(secret, user);
    const [p1, p2, p3, p4, face, background] = photos;
    const files: UploadFile[] = [
      ...[p1, p2, p3, p4].map((bytes, i) => ({ path: `input.productImages.${i}`, bytes: bytes!, name: `product-${i + 1}.jpg` })),
      { path: 'input.faceImage', bytes: face!, name: 'face.jpg' },
      { path: 'input.backgroundImage', bytes: background!, name: 'background.jpg' },
    ];
    const input = {
      productImages: [null, null, null, null],
      faceImage: null,
      backgroundImage: null,
      count: COUNT,
      mode: options.mode,
      options: { modelType: 'Wanita', category: 'FASHION', pose: 'Standing Portrait' },
    };
    const form = multipartBody(GENERATE, { input }, files);
    spans.length = 0;

    const startEpoch = Date.now();
    const t0 = performance.now();
    const response = await app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'x-graphql-yoga-csrf': '1', authorization: `Bearer ${token}` },
      body: form,
    });
    const body = (await response.json()) as any;
    return { t0, t1: performance.now(), startEpoch, endEpoch: Date.now(), status: response.status, body };
  }

  return {
    /** Six copies of `photo` in one request: does the app take what MAX_FILES × MAX_FILE_BYTES allows? */
    async probeBodyLimit(photo: Uint8Array) {
      const { status, body } = await send(Array.from({ length: 6 }, () => photo), 'bench-probe');
      const result = body?.data?.generateImages;
      const accepted = result?.__typename === 'GenerateImagesSuccess';
      const answer = accepted ? 'GenerateImagesSuccess' : `HTTP ${status}: ${body?.errors?.[0]?.message ?? result?.message ?? JSON.stringify(body).slice(0, 200)}`;
      return { photoBytes: photo.byteLength * 6, accepted, answer };
    },

    async run(photos: Uint8Array[], user: string) {
      const { t0, t1, startEpoch, endEpoch, body } = await send(photos, user);
      const result = body?.data?.generateImages;
      const g = result?.generation;
      if (result?.__typename !== 'GenerateImagesSuccess' || g.images.length !== COUNT || g.descriptions.length !== photos.length || g.warnings.length) {
        throw new Error(`generateImages did not fully succeed: ${JSON.stringify(body).slice(0, 600)}`);
      }

      const one = (name: string) => {
        const span = spans.find((s) => s.name === name);
        if (!span) throw new Error(`no ${name} call recorded`);
        return span;
      };
      const studio = one('studio.generate');
      const reserve = one('queue.reserveAndEnqueue');
      const generate = one('generator.generate');
      const named = (...names: string[]) => spans.filter((s) => names.includes(s.name));
      // Before the generator: the one vision call, or per-photo describes then the PromptWriter.
      const before = named('describer.describeAndWrite', 'describer.describe', 'writer.write').filter((s) => s.end <= generate.start);
      const geminiStart = before.length ? Math.min(...before.map((s) => s.start)) : generate.start;
      const geminiEnd = before.length ? Math.max(...before.map((s) => s.end)) : generate.start;
      const describes = named('describer.describe').filter((s) => s.end <= generate.start);
      const after = named('reviewer.review', 'describer.screen').filter((s) => s.start >= generate.end);
      const reviewedAt = after.length ? Math.max(...after.map((s) => s.end)) : generate.end;
      const longest = (name: string) => named(name).reduce((ms, s) => Math.max(ms, s.end - s.start), 0);
      return {
        ms: t1 - t0,
        startEpoch,
        endEpoch,
        uploadedBytes: photos.reduce((sum, p) => sum + p.byteLength, 0),
        generatorEpochs: { start: startEpoch + (generate.start - t0), end: startEpoch + (generate.end - t0) },
        phases: {
          'request: multipart + auth + GraphQL': studio.start - t0,
          'prepare: sharp, 6 photos, vision copies stored': reserve.start - studio.start,
          'ledger: reserve + enqueue + pickup + cache read': geminiStart - reserve.start,
          'vision: photos + prompt, one Gemini call': longest('describer.describeAndWrite'),
          'describe: Gemini per photo, concurrent': describes.length ? Math.max(...describes.map((s) => s.end)) - Math.min(...describes.map((s) => s.start)) : 0,
          'prompt: PromptWriter (Gemini, text only)': longest('writer.write'),
          'ledger: cache write + recordPrompt': generate.start - geminiEnd,
          'generate: fal (uploads, submit, poll, result)': generate.end - generate.start,
          'review: Gemini per image, concurrent (+ screen)': reviewedAt - generate.end,
          'settle + response': t1 - reviewedAt,
          'PGlite busy (all ledger and queue calls)': unionMs(spans.filter((s) => s.name.startsWith('ledger.') || s.name.startsWith('queue.'))),
        },
      };
    },
    async close() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
