// A clip as its row keeps it (public.videos), and the store of those rows. Every rule (one debit, one
// refund, idempotency, a video only of the seller's own finished image) is enforced in SQL.
import type { GenerationStatus } from './images.js';
import type { Reservation } from './jobs.js';

/** What a video row keeps of its request: everything a worker elsewhere needs to make it. */
export interface VideoInput {
  /** the image's own copy in Storage */
  imageKey: string;
  imageWidth: number;
  imageHeight: number;
  /** called once the video has finished (checked when the request came in) */
  webhookUrl: string | null;
}

/** The finished clip: our own copies in Storage. */
export interface VideoResult {
  videoKey: string;
  posterKey: string;
  width: number;
  height: number;
  hasAudio: boolean;
}

export interface VideoRecord {
  id: string;
  userId: string;
  status: GenerationStatus;
  generationId: string;
  /** 1-based place of the image in its generation */
  imageIndex: number;
  version: 'A' | 'B';
  /** the video model profile (a fal app id, or 'local') */
  model: string;
  prompt: string;
  durationSeconds: number;
  cost: number;
  warnings: string[];
  providerRequestId: string | null;
  result: VideoResult | null;
  error: string | null;
  input: VideoInput;
  createdAt: Date;
  finishedAt: Date | null;
  deadlineAt: Date;
}

/** A video's reservation: the job's price and its row. */
export interface VideoReservation extends Reservation {
  kind: 'video';
  generationId: string;
  imageIndex: number;
  version: 'A' | 'B';
  model: string;
  prompt: string;
  durationSeconds: number;
  input: VideoInput;
  /** what the seller is told from the start (a duration the model could not make exactly) */
  warnings: string[];
}

/** The video rows: a worker's run, its settlement, and what readers see. */
export interface VideoStore {
  /** a worker takes the video: QUEUED → RUNNING with this deadline; the row as it stands after */
  beginVideoRun(videoId: string, deadlineAt: Date): Promise<VideoRecord | null>;
  setVideoProviderRequest(videoId: string, providerRequestId: string): Promise<void>;
  /** false when the video was already settled (canceled, or failed by another attempt) */
  completeVideo(videoId: string, result: VideoResult & { durationSeconds: number; warnings: string[] }): Promise<boolean>;
  /** marks the video FAILED (or CANCELED) and refunds its cost exactly once */
  failVideo(videoId: string, reason: string, status?: 'FAILED' | 'CANCELED'): Promise<{ refunded: boolean; balance: number }>;
  video(id: string): Promise<VideoRecord | null>;
  /** every video of these generations, newest first */
  videosOf(generationIds: string[]): Promise<VideoRecord[]>;
}
