// Video maker backed by fal's queue, for any profiled image-to-video model (studio/video-profiles.ts;
// Grok Imagine Video by default): upload the image to fal storage, submit, hand the request id to the
// job (so a paid clip is collected after a crash, never paid twice), poll, fetch, download our own
// copy, and finish it with FFmpeg (H.264 yuv420p, +faststart, a poster). On abort (a cancel, the
// deadline) the fal job is cancelled: nobody would collect it.
import { ApiError, ValidationError, createFalClient } from '@fal-ai/client';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VideoError, type ClipRequest, type GenerationProgress, type MadeClip, type VideoMaker } from '../../studio/ports.js';
import { videoProfile, type VideoProfile, type VideoResolution } from '../../studio/video-profiles.js';
import { cancelQuietly, awaitResult, untilAborted } from '../fal-queue.js';
import { redirectingFetch } from '../generate/fal.js';
import { abortReason } from '../retry.js';
import { finishProviderClip, inWorkDir } from './ffmpeg.js';

export interface FalVideoConfig {
  key: string;
  /** a profiled fal app id */
  model: string;
  resolution: VideoResolution;
  baseUrl?: string;
}

export interface FalVideoDeps {
  ffmpeg: string;
  /** where vendor details go: they are never shown to sellers */
  log?: (message: string, detail: Record<string, unknown>) => void;
  /** between status polls; default 500 ms for the first 30 s, then 2 s (a clip takes a minute or more) */
  pollIntervalMs?: number;
  fetch?: typeof fetch;
}

const FAST_POLL_WINDOW_MS = 30_000;
const UPLOAD_LIFETIME = '1h';
const OUTPUT_LIFETIME = '1d';

const MESSAGES = {
  rejected: 'The video service refused this image or prompt (its content policy, or an input it cannot use). Try the other version or another image.',
  failed: 'The video service failed to make the clip. Please try again later.',
  unreachable: 'The video service could not be reached. Please try again later.',
  empty: 'The video service returned no video.',
};

/** The fal input for a clip, as the model's profile says it wants it. */
export function falVideoInput(profile: VideoProfile, request: Pick<ClipRequest, 'prompt' | 'version' | 'durationSeconds'>, imageUrl: string, resolution: VideoResolution) {
  return {
    prompt: request.prompt,
    image_url: imageUrl,
    duration: profile.durationAs === 'string' ? String(request.durationSeconds) : request.durationSeconds,
    ...(profile.resolution.param ? { resolution } : {}),
    ...(profile.aspect === 'auto-param' ? { aspect_ratio: 'auto' } : {}),
    ...(profile.cameraFixedParam ? { camera_fixed: request.version === 'A' } : {}),
    ...(profile.negativePrompt ? { negative_prompt: profile.negativePrompt } : {}),
    ...profile.extraInput,
  };
}

export function createFalVideoMaker(config: FalVideoConfig, deps: FalVideoDeps): VideoMaker {
  const http = config.baseUrl ? redirectingFetch(config.baseUrl, deps.fetch) : (deps.fetch ?? fetch);
  const fal = createFalClient({ credentials: config.key, ...(config.baseUrl || deps.fetch ? { fetch: http } : {}) });
  const log = deps.log ?? ((message, detail) => console.error(`[fal video] ${message}`, detail));
  const pollDelay = (elapsedMs: number) => deps.pollIntervalMs ?? (elapsedMs < FAST_POLL_WINDOW_MS ? 500 : 2000);
  const profile = videoProfile(config.model);
  const app = profile.id;

  function toVideoError(error: unknown, requestId: string | null): VideoError {
    if (error instanceof VideoError) return error;
    const detail = { provider: 'fal', app, requestId: requestId ?? (error instanceof ApiError ? error.requestId : null) };
    if (error instanceof ValidationError) {
      log('clip refused (422)', { ...detail, fieldErrors: error.fieldErrors });
      return new VideoError(MESSAGES.rejected, { ...detail, status: 422 });
    }
    if (error instanceof ApiError) {
      log(`clip failed (HTTP ${error.status})`, { ...detail, status: error.status, body: error.body });
      return new VideoError(MESSAGES.failed, { ...detail, status: error.status });
    }
    log('clip failed', { ...detail, error: error instanceof Error ? error.message : String(error) });
    return new VideoError(MESSAGES.unreachable, detail);
  }

  const cancel = (requestId: string) => cancelQuietly(fal, app, requestId, log);

  /** Our own copy of fal's MP4, finished for storage. */
  async function collect(data: any, signal: AbortSignal): Promise<MadeClip> {
    const url = data?.video?.url;
    if (typeof url !== 'string') throw new VideoError(MESSAGES.empty);
    const response = await http(url, { signal });
    if (!response.ok) throw new VideoError(MESSAGES.failed, { provider: 'fal', url, status: response.status });
    const bytes = new Uint8Array(await response.arrayBuffer());
    return inWorkDir(async (dir) => {
      const source = path.join(dir, 'source.mp4');
      await writeFile(source, bytes);
      return finishProviderClip(deps.ffmpeg, source, dir, signal);
    });
  }

  async function waitForResult(requestId: string, signal: AbortSignal, onProgress: (progress: GenerationProgress) => void): Promise<MadeClip> {
    try {
      return await collect(await awaitResult(fal, app, requestId, signal, onProgress, pollDelay), signal);
    } catch (error) {
      if (signal.aborted) {
        await cancel(requestId);
        throw abortReason(signal);
      }
      throw toVideoError(error, requestId);
    }
  }

  return {
    name: 'fal',
    model: app,

    async make(request) {
      const { signal, image } = request;
      let requestId: string;
      try {
        // fal only needs the image until the model has read it: we keep our own copy.
        const file = new File([new Uint8Array(image.bytes)], `image.${image.contentType.split('/')[1] ?? 'jpg'}`, { type: image.contentType });
        const imageUrl = await untilAborted(fal.storage.upload(file, { lifecycle: { expiresIn: UPLOAD_LIFETIME } }), signal);
        signal.throwIfAborted();
        ({ request_id: requestId } = await fal.queue.submit(app, {
          input: falVideoInput(profile, request, imageUrl, config.resolution),
          abortSignal: signal,
          // Our copy is taken when the job completes; a day covers a resume after a crash.
          storageSettings: { expiresIn: OUTPUT_LIFETIME },
        }));
      } catch (error) {
        if (signal.aborted) throw abortReason(signal);
        throw toVideoError(error, null);
      }
      try {
        await request.onSubmitted(requestId);
      } catch (error) {
        // The id could not be stored, so the job could never be collected: stop paying for it.
        await cancel(requestId);
        throw error;
      }
      return waitForResult(requestId, signal, request.onProgress);
    },

    resume(providerRequestId, signal) {
      return waitForResult(providerRequestId, signal, () => {});
    },
  };
}
