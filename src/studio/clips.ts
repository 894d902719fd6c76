// Starting a clip, as plain TypeScript over the ports:
//   find the seller's image → the model's duration → the prompt (A or B, written to the model's
//   profile, or the seller's own within its limit) → reserve coins + enqueue the job (one transaction).
// Every refusal here comes before any coin moves. Someone else's image, or no image at all, is "not
// found" and says nothing more. The job itself is jobs/video.ts, on any worker.
import { createHash } from 'node:crypto';
import { InvalidInputError } from './errors.js';
import { imageIdOf, parseImageId } from './image-ids.js';
import { VIDEO } from './jobs/video.js';
import type { JobKind } from './jobs/kind.js';
import { finishedEvent, type JobMachinery } from './jobs/machinery.js';
import type { Coins, EventBus, GenerationEvent, GenerationStore, Ids, JobQueue, Clock, VideoRecord, VideoReservation, VideoStore, Webhooks } from './ports.js';
import { checkIdempotencyKey, checkWebhookUrl } from './request.js';
import { checkText } from './text.js';
import { clipPrompt } from './video-prompts.js';
import { clipDuration, videoProfile } from './video-profiles.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NO_SUCH_IMAGE = 'No such image.';

export interface ClipPricing {
  /** coins per clip, whatever its length (PRICE_VIDEO_CLIP) */
  perClip: number;
  /** coins per second of clip (PRICE_VIDEO_PER_SECOND) */
  perSecond: number;
}

export const clipPrice = (pricing: ClipPricing, seconds: number) => pricing.perClip + pricing.perSecond * seconds;

export interface ClipsDeps {
  coins: Coins;
  generations: GenerationStore;
  videos: VideoStore;
  queue: JobQueue;
  jobs: JobMachinery;
  kind: JobKind<VideoRecord>;
  /** the profile id of the configured video maker's model */
  model: string;
  pricing: ClipPricing;
  clock: Clock;
  ids: Ids;
  events: EventBus;
  /** null when WEBHOOK_SECRET is not set: a webhookUrl is then refused */
  webhooks: Webhooks | null;
  /** until a worker takes it (the kind sets its own deadline then) */
  deadlineMs: number;
}

export interface StartVideoCommand {
  userId: string;
  imageId: string;
  version: 'A' | 'B';
  prompt: string | null;
  durationSeconds: number | null;
  idempotencyKey: string | null;
  webhookUrl: string | null;
}

export interface VideoOutcome {
  video: VideoRecord;
  remainingCoins: number;
}

export function createClips(deps: ClipsDeps) {
  const profile = videoProfile(deps.model);

  /** The seller's own finished image, or the InvalidInputError that says why not (an image that is
   *  not theirs, or not there, is only "not found"). */
  async function imageOf(userId: string, imageId: string) {
    const parsed = parseImageId(imageId);
    const generation = parsed ? await deps.generations.generation(parsed.generationId) : null;
    if (!parsed || !generation || generation.userId !== userId) throw new InvalidInputError('imageId', NO_SUCH_IMAGE);
    if (generation.status === 'FAILED' || generation.status === 'CANCELED') {
      throw new InvalidInputError('imageId', `This image's batch ${generation.status === 'FAILED' ? 'failed' : 'was canceled'}: there is no image to animate.`);
    }
    if (generation.status !== 'SUCCEEDED') throw new InvalidInputError('imageId', 'This batch is not finished yet: start the clip once it is.');
    const image = generation.images[parsed.index - 1];
    if (!image) {
      // Withheld images are not kept: a place the batch asked for but did not deliver was withheld.
      if (parsed.index <= generation.count) throw new InvalidInputError('imageId', 'This image was withheld by the safety filter: there is no image to animate.');
      throw new InvalidInputError('imageId', NO_SUCH_IMAGE);
    }
    if (!image.key) throw new InvalidInputError('imageId', 'This image was made before images were kept: it cannot be animated.');
    return { generation, image, index: parsed.index };
  }

  /** Validates, charges and enqueues; answers with the video QUEUED (or, for a replayed key, as it stands). */
  async function start(cmd: StartVideoCommand): Promise<VideoOutcome> {
    try {
      return await enqueue(cmd);
    } catch (error) {
      // Key subscribers hear that the request ended, as for a refused batch.
      deps.events.publish({ userId: cmd.userId, idempotencyKey: cmd.idempotencyKey, generationId: null }, finishedEvent(null, 'FAILED'));
      throw error;
    }
  }

  async function enqueue(cmd: StartVideoCommand): Promise<VideoOutcome> {
    const key = checkIdempotencyKey(cmd.idempotencyKey);
    const own = cmd.prompt?.trim() || null;
    if (own) checkText('prompt', own, profile.promptLimit);
    const { generation, image, index } = await imageOf(cmd.userId, cmd.imageId);
    const duration = clipDuration(profile, cmd.durationSeconds);
    const webhookUrl = checkWebhookUrl(cmd.webhookUrl);
    if (webhookUrl) {
      const why = deps.webhooks ? await deps.webhooks.check(webhookUrl) : 'Webhooks are not enabled on this server (WEBHOOK_SECRET).';
      if (why) throw new InvalidInputError('webhookUrl', why);
    }
    const prompt = own ?? clipPrompt(profile, cmd.version, duration.seconds, generation.input.options, generation.descriptions, index - 1);
    const id = deps.ids.uuid();
    const hash = createHash('sha256')
      .update(JSON.stringify({ image: imageIdOf(generation.id, index), version: cmd.version, prompt: own, duration: cmd.durationSeconds, webhookUrl }))
      .digest('hex');
    const enqueued = await deps.jobs.enqueue(
      {
        kind: VIDEO,
        id,
        userId: cmd.userId,
        cost: clipPrice(deps.pricing, duration.seconds),
        idempotencyKey: key,
        requestHash: hash,
        deadlineAt: new Date(deps.clock.now().getTime() + deps.deadlineMs),
        generationId: generation.id,
        imageIndex: index,
        version: cmd.version,
        model: profile.id,
        prompt,
        durationSeconds: duration.seconds,
        input: { imageKey: image.key!, imageWidth: image.width, imageHeight: image.height, webhookUrl },
        warnings: duration.warning ? [duration.warning] : [],
      } satisfies VideoReservation,
      { userId: cmd.userId, idempotencyKey: key },
    );
    const video = (await deps.videos.video(enqueued.id))!;
    return { video, remainingCoins: enqueued.balance ?? (await deps.coins.balance(cmd.userId)) };
  }

  /** One of the seller's videos; null for a malformed id, a missing one, or someone else's. */
  async function videoOf(userId: string, id: string): Promise<VideoRecord | null> {
    if (!UUID.test(id)) return null;
    const video = await deps.videos.video(id);
    return video?.userId === userId ? video : null;
  }

  /** Stops a queued or running clip and refunds it at once (a running fal job is cancelled at fal). */
  async function cancel(userId: string, id: string): Promise<VideoOutcome> {
    const video = await videoOf(userId, id);
    if (!video) throw new InvalidInputError('id', 'No such video.');
    const after = await deps.jobs.cancel(deps.kind, video);
    return { video: after, remainingCoins: await deps.coins.balance(userId) };
  }

  /** Where a clip stands, as the first event a late subscriber gets. */
  async function currentState(video: VideoRecord): Promise<GenerationEvent> {
    if (video.finishedAt) return finishedEvent(video.id, video.status);
    if (video.status === 'QUEUED') return { stage: 'QUEUED', position: await deps.queue.position(video.id), at: 'ETALASE', generationId: video.id };
    return { stage: 'GENERATING', generationId: video.id };
  }

  // An image's videos, asked for image by image (a page of batches asks for many): the generations
  // asked for within one tick are read in one query.
  type Waiting = { resolve: (videos: VideoRecord[]) => void; reject: (error: unknown) => void };
  let pending: Map<string, Waiting[]> | null = null;
  function videosOfGeneration(generationId: string): Promise<VideoRecord[]> {
    return new Promise((resolve, reject) => {
      if (!pending) {
        const batch = (pending = new Map<string, Waiting[]>());
        setImmediate(() => {
          pending = null;
          deps.videos.videosOf([...batch.keys()]).then(
            (videos) => batch.forEach((waiting, id) => waiting.forEach((w) => w.resolve(videos.filter((v) => v.generationId === id)))),
            (error) => batch.forEach((waiting) => waiting.forEach((w) => w.reject(error))),
          );
        });
      }
      pending.set(generationId, [...(pending.get(generationId) ?? []), { resolve, reject }]);
    });
  }

  async function videosOfImage(generationId: string, index: number): Promise<VideoRecord[]> {
    return (await videosOfGeneration(generationId)).filter((v) => v.imageIndex === index);
  }

  return {
    start,
    videoOf,
    cancel,
    currentState,
    videosOfImage,
    /** the coins a clip costs with the configured model: the default length, or the nearest it makes */
    quote: (seconds: number | null) => clipPrice(deps.pricing, clipDuration(profile, seconds).seconds),
    /** the length a clip would be made at */
    duration: (seconds: number | null) => clipDuration(profile, seconds).seconds,
    model: profile,
  };
}

export type Clips = ReturnType<typeof createClips>;
