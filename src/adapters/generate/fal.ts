// Generator backed by fal's queue: submit, hand the request id to the pipeline (so a paid job can be
// resumed after a crash), poll, fetch. TEXT_TO_IMAGE uses the text model; REFERENCE uploads the
// prepared references to fal storage and asks the edit model to compose from them.
import { ApiError, ValidationError, createFalClient } from '@fal-ai/client';
import type { Config } from '../../config.js';
import {
  GenerationError,
  REFERENCE_LONG_EDGE,
  SLOTS,
  type GenerateRequest,
  type GenerateResult,
  type GeneratedImage,
  type GenerationMode,
  type GenerationProgress,
  type Generator,
  type PreparedImage,
} from '../../studio/ports.js';
import { profileFor, type ModelProfile } from '../../studio/prompt/profiles.js';
import { pixelSize, ratioOf } from '../../studio/style-catalog.js';
import { cancelQuietly, awaitResult, untilAborted } from '../fal-queue.js';
import { abortReason } from '../retry.js';

export type FalGeneratorConfig = Extract<Config['generator'], { kind: 'fal' }>;

export interface FalGeneratorDeps {
  /** where vendor details go: they are never shown to users */
  log?: (message: string, detail: Record<string, unknown>) => void;
  /** between status polls; default: 150 ms for the first 5 s (schnell finishes in 1–2 s, and every
   *  poll gap is latency the seller waits), then 500 ms as fal's own client does */
  pollIntervalMs?: number;
  /** the fetch under the host redirect (tests may wrap it) */
  fetch?: typeof fetch;
}

const IMAGE_SIZE: Record<string, string> = {
  '1:1': 'square_hd',
  '3:4': 'portrait_4_3',
  '4:3': 'landscape_4_3',
  '9:16': 'portrait_16_9',
  '16:9': 'landscape_16_9',
};
const FAL_HOST = /(^|\.)fal\.(ai|run|media)$/;
const FAST_POLL_WINDOW_MS = 5_000;
const UPLOAD_LIFETIME = '1h';
const OUTPUT_LIFETIME = '1d';

const MESSAGES = {
  rejected: 'The image service could not accept this request. Please try different photos or options.',
  failed: 'The image service failed to generate the images. Please try again later.',
  unreachable: 'The image service could not be reached. Please try again later.',
  empty: 'The image service returned no images.',
  allWithheld: 'Every image was withheld by the safety filter.',
};

/** Sends every fal host (queue.fal.run, fal.run, rest.fal.ai, *.fal.media) to `baseUrl`, path and query
 *  kept; the original host travels in `x-fal-host` because queue submit and sync run share paths. */
export function redirectingFetch(baseUrl: string, inner: typeof fetch = fetch): typeof fetch {
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  return (input, init) => {
    const original = new URL(input instanceof Request ? input.url : String(input));
    if (!FAL_HOST.test(original.hostname)) return inner(input, init);
    const target = new URL(`${prefix}${original.pathname}${original.search}`, base.origin);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set('x-fal-host', original.host);
    return inner(input instanceof Request ? new Request(target, input) : target, { ...init, headers });
  };
}

export function createFalGenerator(config: FalGeneratorConfig, deps: FalGeneratorDeps = {}): Generator {
  const http = config.baseUrl ? redirectingFetch(config.baseUrl, deps.fetch) : (deps.fetch ?? fetch);
  const fal = createFalClient({
    credentials: config.key,
    ...(config.baseUrl || deps.fetch ? { fetch: http } : {}),
  });
  const log = deps.log ?? ((message, detail) => console.error(`[fal] ${message}`, detail));
  const pollDelay = (elapsedMs: number) => deps.pollIntervalMs ?? (elapsedMs < FAST_POLL_WINDOW_MS ? 150 : 500);
  const appFor = (mode: GenerationMode) => (mode === 'REFERENCE' ? config.editModel : config.textModel);
  const editProfile = profileFor(config.editModel, 'REFERENCE');
  const maxReferences = config.maxReferences ?? editProfile.maxReferences;

  /** A reference copy into fal storage; fal only needs it until the model has read it: we keep our own. */
  const upload = (image: PreparedImage) =>
    fal.storage.upload(
      new File([new Uint8Array(image.reference.bytes)], `${image.slot.toLowerCase()}.jpg`, { type: image.reference.contentType }),
      { lifecycle: { expiresIn: UPLOAD_LIFETIME } },
    );

  function toGenerationError(error: unknown, app: string, requestId: string | null): GenerationError {
    if (error instanceof GenerationError) return error;
    const detail = { provider: 'fal', app, requestId: requestId ?? (error instanceof ApiError ? error.requestId : null) };
    if (error instanceof ValidationError) {
      log('request rejected (422)', { ...detail, fieldErrors: error.fieldErrors });
      return new GenerationError(MESSAGES.rejected, { ...detail, status: 422 });
    }
    if (error instanceof ApiError) {
      log(`request failed (HTTP ${error.status})`, { ...detail, status: error.status, body: error.body });
      return new GenerationError(MESSAGES.failed, { ...detail, status: error.status });
    }
    log('request failed', { ...detail, error: error instanceof Error ? error.message : String(error) });
    return new GenerationError(MESSAGES.unreachable, detail);
  }

  const cancel = (app: string, requestId: string) => cancelQuietly(fal, app, requestId, log);

  function collect(data: any, fallback: { width: number; height: number }): GenerateResult {
    const images: any[] = Array.isArray(data?.images) ? data.images : [];
    // Seedream and Nano Banana return no has_nsfw_concepts: the studio then screens their images.
    const screened = Array.isArray(data?.has_nsfw_concepts);
    const flagged: unknown[] = screened ? data.has_nsfw_concepts : [];
    if (images.length === 0) throw new GenerationError(MESSAGES.empty);
    const kept: GeneratedImage[] = images
      .filter((image, i) => flagged[i] !== true && typeof image?.url === 'string')
      .map((image) => ({
        url: image.url,
        width: image.width ?? fallback.width,
        height: image.height ?? fallback.height,
        contentType: image.content_type ?? 'image/jpeg',
      }));
    if (kept.length === 0) throw new GenerationError(MESSAGES.allWithheld);
    const withheld = images.length - kept.length;
    return { images: kept, warnings: withheld ? [`${withheld} image${withheld === 1 ? '' : 's'} withheld by the safety filter`] : [], screened };
  }

  /** Our own copy of every output, taken as soon as the job is done: fal's CDN links expire. */
  async function download(result: GenerateResult, signal: AbortSignal): Promise<GenerateResult> {
    const images = await Promise.all(
      result.images.map(async (image) => {
        const response = await http(image.url, { signal });
        if (!response.ok) throw new GenerationError(MESSAGES.failed, { provider: 'fal', url: image.url, status: response.status });
        const bytes = new Uint8Array(await response.arrayBuffer());
        return { ...image, bytes, contentType: response.headers.get('content-type')?.split(';')[0] || image.contentType };
      }),
    );
    return { ...result, images };
  }

  /** Polls until COMPLETED, then fetches the result. On abort the job is cancelled: nobody will collect it. */
  async function waitForResult(
    app: string,
    requestId: string,
    signal: AbortSignal,
    onProgress: (progress: GenerationProgress) => void,
    fallback: { width: number; height: number },
  ): Promise<GenerateResult> {
    try {
      const data = await awaitResult(fal, app, requestId, signal, onProgress, pollDelay);
      return await download(collect(data, fallback), signal);
    } catch (error) {
      if (signal.aborted) {
        await cancel(app, requestId);
        throw abortReason(signal);
      }
      throw toGenerationError(error, app, requestId);
    }
  }

  async function referenceInput(request: GenerateRequest, warnings: string[]) {
    const ordered = [...request.references].sort((a, b) => SLOTS.indexOf(a.slot) - SLOTS.indexOf(b.slot));
    // The studio already orders and caps them (the prompt names each by position); this is a backstop.
    const sent = ordered.slice(0, maxReferences);
    const dropped = ordered.slice(maxReferences).map((r) => r.slot);
    if (dropped.length) {
      warnings.push(`The image model reads at most ${maxReferences} reference photos; not sent: ${dropped.join(', ')}.`);
    }
    // Sent already while the prompt was written (stageReference), or now; a staging that failed is sent again.
    const urlOf = (image: PreparedImage) => request.staged?.get(image.slot)?.catch(() => upload(image)) ?? upload(image);
    const imageUrls = await untilAborted(Promise.all(sent.map(urlOf)), request.signal);
    return {
      prompt: request.prompt,
      image_urls: imageUrls,
      num_images: request.count,
      ...sizeInput(editProfile, request.options.aspectRatio),
      enable_safety_checker: true,
      ...seedOf(request),
    };
  }

  function textInput(request: GenerateRequest) {
    const [w, h] = ratioOf(request.options.aspectRatio);
    return {
      prompt: request.prompt,
      num_images: request.count,
      image_size: IMAGE_SIZE[`${w}:${h}`] ?? 'square_hd',
      num_inference_steps: 4,
      enable_safety_checker: true,
      output_format: 'jpeg',
      ...seedOf(request),
    };
  }

  /** The batch's seed, for a model whose profile takes one. */
  const seedOf = (request: GenerateRequest) =>
    request.seed !== undefined && profileFor(request.mode === 'REFERENCE' ? config.editModel : config.textModel, request.mode).seed ? { seed: request.seed } : {};

  return {
    name: 'fal',
    models: { TEXT_TO_IMAGE: config.textModel, REFERENCE: config.editModel },
    maxReferences,

    async generate(request) {
      const app = appFor(request.mode);
      const warnings: string[] = [];
      let requestId: string;
      try {
        const input = request.mode === 'REFERENCE' ? await referenceInput(request, warnings) : textInput(request);
        request.signal.throwIfAborted();
        ({ request_id: requestId } = await fal.queue.submit(app, {
          input,
          abortSignal: request.signal,
          // Outputs are copied off fal when the job completes; a day covers a resume after a crash.
          storageSettings: { expiresIn: OUTPUT_LIFETIME },
        }));
      } catch (error) {
        if (request.signal.aborted) throw abortReason(request.signal);
        throw toGenerationError(error, app, null);
      }
      try {
        await request.onSubmitted(requestId);
      } catch (error) {
        // The id could not be stored, so the job could never be collected: stop paying for it.
        await cancel(app, requestId);
        throw error;
      }
      const size = pixelSize(request.options.aspectRatio, request.mode === 'REFERENCE' ? REFERENCE_LONG_EDGE : 1024);
      const result = await waitForResult(app, requestId, request.signal, request.onProgress, size);
      return { ...result, warnings: [...warnings, ...result.warnings] };
    },

    // Called while the vision model reads, so that generate only submits. A file staged for a batch
    // that then stops is left on fal storage, where it expires (UPLOAD_LIFETIME).
    stageReference: (image, signal) => untilAborted(upload(image), signal),

    async resume(providerRequestId, mode, signal, aspectRatio = 'RATIO_1_1') {
      // fal reports each image's size; this is only a fallback.
      return waitForResult(appFor(mode), providerRequestId, signal, () => {}, pixelSize(aspectRatio, mode === 'REFERENCE' ? REFERENCE_LONG_EDGE : 1024));
    },
  };
}

/** The output size as the edit model asks for it. Seedream has a pixel floor (0.92 MP for v4, 3.7 MP
 *  for v4.5) below which it silently upscales: the long edge grows in steps of 16 px until the
 *  frame is above it. Nano Banana takes an aspect ratio and a resolution instead. */
export function sizeInput(profile: ModelProfile, aspectRatio: string): Record<string, unknown> {
  const size = profile.size;
  if (size.param === 'aspect_ratio') {
    const [w, h] = ratioOf(aspectRatio);
    return { aspect_ratio: `${w}:${h}`, ...(size.resolution ? { resolution: size.resolution } : {}) };
  }
  let longEdge = Math.max(size.longEdge, REFERENCE_LONG_EDGE);
  let px = pixelSize(aspectRatio, longEdge);
  while (px.width * px.height < size.minPixels && longEdge < 4096) px = pixelSize(aspectRatio, (longEdge += 16));
  return { image_size: px };
}
