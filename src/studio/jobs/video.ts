// The clip kind: a short video from one image of a finished batch.
//   read the image (our own copy) → the video maker (fal, or FFmpeg here) → store the MP4 and its
//   poster → settle.
// Starting one (check the image, write the prompt to the model's profile, reserve + enqueue) is
// studio/clips.ts; the machinery (jobs/machinery.ts) does the rest: retries, resume of a paid fal
// request, deadline, cancel, refund exactly once, FINISHED, the webhook.
import { VideoError, type Clock, type Logger, type MadeClip, type Storage, type VideoMaker, type VideoRecord, type VideoStore } from '../ports.js';
import { imageIdOf } from '../image-ids.js';
import type { JobKind } from './kind.js';

export const VIDEO = 'video';

/** Where a clip and its poster are kept: outputs, handed out only through signed links. */
export const clipKeys = (videoId: string) => ({ video: `outputs/${videoId}/clip.mp4`, poster: `outputs/${videoId}/poster.jpg` });

/** Collecting a paid clip after a crash waits at least this long (fal's video jobs take minutes). */
const MIN_RESUME_MS = 60_000;

export interface VideoKindDeps {
  videos: VideoStore;
  storage: Storage;
  maker: VideoMaker;
  clock: Clock;
  log: Logger;
  /** how long a clip may take once a worker has it (VIDEO_DEADLINE_MS) */
  deadlineMs: number;
}

export function videoKind(deps: VideoKindDeps): JobKind<VideoRecord> {
  const { videos, storage, maker, log } = deps;

  /** Our own copies, then the row: false when it had been settled meanwhile (canceled). */
  async function settle(video: VideoRecord, made: MadeClip): Promise<boolean> {
    const keys = clipKeys(video.id);
    await Promise.all([storage.put(keys.video, made.video, 'video/mp4'), storage.put(keys.poster, made.poster, 'image/jpeg')]);
    return videos.completeVideo(video.id, {
      videoKey: keys.video,
      posterKey: keys.poster,
      width: made.width,
      height: made.height,
      hasAudio: made.hasAudio,
      durationSeconds: made.durationSeconds,
      warnings: made.warnings,
    });
  }

  return {
    name: VIDEO,
    noun: 'clip',
    // A clip's deadline is its own, VIDEO_DEADLINE_MS from now, not the batches' one the machinery
    // offers (fal's video models take minutes).
    begin: (id) => videos.beginVideoRun(id, new Date(deps.clock.now().getTime() + deps.deadlineMs)),
    read: (id) => videos.video(id),
    fail: (id, reason, status) => videos.failVideo(id, reason, status),
    reasonFor: (error) => (error instanceof VideoError ? error.message : 'The video service failed to make the clip.'),
    webhookUrl: (v) => v.input.webhookUrl ?? null,

    async run({ record: v, signal, progress, stage }) {
      const image = await storage.get(v.input.imageKey);
      if (!image) throw new VideoError('The image of this clip is no longer stored.');
      // A cancel heard by another instance (events lost between processes) is on the row.
      if ((await videos.video(v.id))?.status !== 'RUNNING') throw new Error('the clip is no longer running');
      signal.throwIfAborted();
      progress({ stage: 'GENERATING' });
      let started = new Date();
      const made = await maker.make({
        videoId: v.id,
        image: { bytes: image.bytes, contentType: image.contentType, width: v.input.imageWidth, height: v.input.imageHeight },
        prompt: v.prompt,
        version: v.version,
        durationSeconds: v.durationSeconds,
        signal,
        onProgress: progress,
        onSubmitted: (providerRequestId) => videos.setVideoProviderRequest(v.id, providerRequestId),
      });
      stage('generate', { provider: maker.name, model: maker.model }, started);
      started = new Date();
      await settle(v, made);
      stage('store', { provider: 'storage' }, started);
    },

    // The machinery gives a resume about a minute; a video job may need longer, so this one waits
    // until the clip's own deadline (and at least a minute).
    async resume(v) {
      if (!v.providerRequestId || !maker.resume) return false;
      const waitMs = Math.max(MIN_RESUME_MS, v.deadlineAt.getTime() - deps.clock.now().getTime());
      const made = await maker.resume(v.providerRequestId, AbortSignal.timeout(waitMs));
      if (!(await settle(v, made))) return false;
      log.info('recovered a clip from its provider job', { videoId: v.id });
      return true;
    },

    async webhookPayload(v) {
      const signed = v.result ? await Promise.all([storage.signedUrl(v.result.videoKey), storage.signedUrl(v.result.posterKey)]) : null;
      return {
        type: 'video.finished',
        data: {
          id: v.id,
          status: v.status,
          imageId: imageIdOf(v.generationId, v.imageIndex),
          version: v.version,
          model: v.model,
          prompt: v.prompt,
          durationSeconds: v.durationSeconds,
          cost: v.cost,
          url: signed?.[0] ?? null,
          posterUrl: signed?.[1] ?? null,
          width: v.result?.width ?? null,
          height: v.result?.height ?? null,
          hasAudio: v.result?.hasAudio ?? null,
          warnings: v.warnings,
          error: v.error,
          createdAt: v.createdAt.toISOString(),
          finishedAt: v.finishedAt?.toISOString() ?? null,
        },
      };
    },
  };
}
