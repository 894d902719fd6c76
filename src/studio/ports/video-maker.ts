// Who makes a clip from an image: fal's video models, or FFmpeg on this machine. The clip comes back
// finished: an H.264 (yuv420p) MP4 with its index at the front (+faststart) and a poster JPEG.
import type { GenerationProgress } from './events.js';

export interface ClipRequest {
  /** the video's id: what the job is called at the provider and in logs */
  videoId: string;
  /** the image to animate, our own copy */
  image: { bytes: Uint8Array; contentType: string; width: number; height: number };
  /** already written for the maker's profile (studio/video-profiles.ts) and within its limit */
  prompt: string;
  /** A: gentle motion, stable camera; B: slow push-in onto texture and branding */
  version: 'A' | 'B';
  /** one the profile can make */
  durationSeconds: number;
  signal: AbortSignal;
  onProgress(progress: GenerationProgress): void;
  /** called once a paid provider has accepted the job, before waiting: store it to collect after a crash */
  onSubmitted(providerRequestId: string): Promise<void>;
}

export interface MadeClip {
  /** video/mp4: H.264, yuv420p, +faststart; AAC audio when the model made sound */
  video: Uint8Array;
  /** image/jpeg: the first frame */
  poster: Uint8Array;
  width: number;
  height: number;
  /** as measured in the file, rounded to whole seconds */
  durationSeconds: number;
  hasAudio: boolean;
  warnings: string[];
}

export interface VideoMaker {
  /** who makes it (fal, local): a metrics and log label */
  readonly name: string;
  /** the profile id of the model it calls (studio/video-profiles.ts) */
  readonly model: string;
  make(request: ClipRequest): Promise<MadeClip>;
  /** collects a clip submitted before a restart; absent when nothing was paid for (made again instead) */
  resume?(providerRequestId: string, signal: AbortSignal): Promise<MadeClip>;
}

/** A maker's failure that may be shown to the seller (already safe to show). */
export class VideoError extends Error {
  constructor(
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'VideoError';
  }
}
