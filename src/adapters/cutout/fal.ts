// Background removal on fal's queue: upload the photo to fal storage, submit, poll, fetch the
// transparent PNG. One profile per model, each figure with the page it was read from (2026-12-04).
// Licences: both are served by fal for commercial use; BiRefNet's code and weights are MIT; Bria's
// RMBG 2.0 weights are non-commercial for self-hosting, but its use through fal's API is licensed
// (fal's page: "Commercial use"); nothing is self-hosted here.
import { ApiError, ValidationError, createFalClient } from '@fal-ai/client';
import sharp from 'sharp';
import { GenerationError, type Cutout } from '../../studio/ports.js';
import { cancelQuietly, awaitResult, untilAborted } from '../fal-queue.js';
import { redirectingFetch } from '../generate/fal.js';
import { abortReason } from '../retry.js';

export interface CutoutProfile {
  id: string;
  /** the fal input for a photo at `imageUrl` */
  input(imageUrl: string): Record<string, unknown>;
  /** what one cut costs, as fal's page says it */
  price: string;
  /** the longest side the model works at (a larger photo is sent smaller) */
  maxSide: number;
  source: string;
}

export const CUTOUT_PROFILES: CutoutProfile[] = [
  {
    // Input image_url, model ('General Use (Light)' default; Light 2K, Heavy, Matting, Portrait,
    // Dynamic 256–2304 px); output image {url, width, height, content_type}.
    id: 'fal-ai/birefnet/v2',
    input: (imageUrl) => ({ image_url: imageUrl, model: 'General Use (Light)' }),
    price: '$0 per compute second as listed (billed by GPU time)',
    maxSide: 2304,
    source: 'https://fal.ai/models/fal-ai/birefnet/v2/llms.txt',
  },
  {
    // Input image_url (required), sync_mode; output image {url, width, height, content_type}.
    id: 'fal-ai/bria/background/remove',
    input: (imageUrl) => ({ image_url: imageUrl }),
    price: '$0.018 per image',
    maxSide: 2048,
    source: 'https://fal.ai/models/fal-ai/bria/background/remove/llms.txt',
  },
];

/** A model not in the table: sent `image_url` only, read as an `image` output. */
const genericProfile = (id: string): CutoutProfile => ({ id, input: (image_url) => ({ image_url }), price: 'unknown', maxSide: 2048, source: 'none' });

export interface FalCutoutConfig {
  key: string;
  model: string;
  /** how long one cut may take (CUTOUT_TIMEOUT_MS) */
  timeoutMs: number;
  baseUrl?: string;
}

const MESSAGES = {
  rejected: 'The background-removal service refused this photo. Try another photo.',
  failed: 'The background-removal service failed. Please try again later.',
  timedOut: 'The background-removal service took too long. Please try again later.',
  empty: 'The background-removal service returned no image.',
};

export function createFalCutout(config: FalCutoutConfig, deps: { log?: (message: string, detail: Record<string, unknown>) => void; fetch?: typeof fetch; pollIntervalMs?: number } = {}): Cutout {
  const http = config.baseUrl ? redirectingFetch(config.baseUrl, deps.fetch) : (deps.fetch ?? fetch);
  const fal = createFalClient({ credentials: config.key, ...(config.baseUrl || deps.fetch ? { fetch: http } : {}) });
  const log = deps.log ?? ((message, detail) => console.error(`[fal cutout] ${message}`, detail));
  const profile = CUTOUT_PROFILES.find((p) => p.id === config.model) ?? genericProfile(config.model);
  const app = profile.id;

  function toError(error: unknown, requestId: string | null, timedOut: boolean): GenerationError {
    const detail = { provider: 'fal', app, requestId };
    if (timedOut) return new GenerationError(MESSAGES.timedOut, detail);
    if (error instanceof GenerationError) return error;
    if (error instanceof ValidationError) {
      log('cutout refused (422)', { ...detail, fieldErrors: error.fieldErrors });
      return new GenerationError(MESSAGES.rejected, { ...detail, status: 422 });
    }
    if (error instanceof ApiError) {
      log(`cutout failed (HTTP ${error.status})`, { ...detail, status: error.status });
      return new GenerationError(MESSAGES.failed, { ...detail, status: error.status });
    }
    log('cutout failed', { ...detail, error: error instanceof Error ? error.message : String(error) });
    return new GenerationError(MESSAGES.failed, detail);
  }

  return {
    vendor: 'fal',
    model: app,
    async cut({ bytes, signal: outer, onSubmitted }) {
      const timeout = AbortSignal.timeout(config.timeoutMs);
      const signal = AbortSignal.any([outer, timeout]);
      let requestId: string | null = null;
      try {
        const sent = await sharp(bytes).rotate().resize(profile.maxSide, profile.maxSide, { fit: 'inside', withoutEnlargement: true }).png().toBuffer();
        const imageUrl = await untilAborted(fal.storage.upload(new File([new Uint8Array(sent)], 'photo.png', { type: 'image/png' }), { lifecycle: { expiresIn: '1h' } }), signal);
        ({ request_id: requestId } = await fal.queue.submit(app, { input: profile.input(imageUrl), abortSignal: signal }));
        await onSubmitted?.(requestId);
        const data = (await awaitResult(fal, app, requestId, signal, () => {}, () => deps.pollIntervalMs ?? 250)) as { image?: { url?: unknown } };
        const url = data?.image?.url;
        if (typeof url !== 'string') throw new GenerationError(MESSAGES.empty, { provider: 'fal', app, requestId });
        const response = await http(url, { signal });
        if (!response.ok) throw new GenerationError(MESSAGES.failed, { provider: 'fal', app, requestId, status: response.status });
        const png = await sharp(new Uint8Array(await response.arrayBuffer())).ensureAlpha().png().toBuffer({ resolveWithObject: true });
        return { png: png.data, width: png.info.width, height: png.info.height };
      } catch (error) {
        if (requestId && signal.aborted) await cancelQuietly(fal, app, requestId, log);
        if (outer.aborted) throw abortReason(outer);
        throw toError(error, requestId, timeout.aborted);
      }
    },
  };
}
