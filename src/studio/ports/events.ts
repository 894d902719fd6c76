// Progress events: what subscribers of a job hear, and the bus that carries them between processes.
import type { GenerationStatus } from './images.js';

export type GenerationProgress =
  | { stage: 'DESCRIBING'; done: number; total: number }
  /** `position`: jobs ahead at Etalase (`at: 'ETALASE'`) or at the image service (`at: 'PROVIDER'`) */
  | { stage: 'QUEUED'; position: number | null; at?: 'ETALASE' | 'PROVIDER' }
  | { stage: 'GENERATING' }
  /** each output checked against the seller's photos (done/total) */
  | { stage: 'REVIEWING'; done: number; total: number }
  /** the outputs that failed the review, made again at no charge (done/total) */
  | { stage: 'REMAKING'; done: number; total: number }
  | { stage: 'IMAGE_STORED'; done: number; total: number }
  /** a catalogue's item settled: `done` of its `total` items have finished (on the catalogue's id) */
  | { stage: 'ITEM_FINISHED'; done: number; total: number }
  | { stage: 'FINISHED'; status: GenerationStatus };

/** A progress event as subscribers see it. `generationId` (the job's id) is null when a request was
 *  refused before a job existed (bad input, no coins): key subscribers still hear that it finished. */
export type GenerationEvent = GenerationProgress & { generationId: string | null };

/** Where a job's events go: by job id, and by the client's idempotency key. */
export interface EventBus {
  publish(to: { generationId: string | null; userId: string; idempotencyKey: string | null }, event: GenerationEvent): void;
  /** Events until the caller stops iterating. Resolves once listening: an event published after that,
   *  by any instance, is delivered (on Redis: once Redis has answered the SUBSCRIBE). Never rejects:
   *  when the bus cannot listen (Redis down), that is logged and the events do not come. */
  subscribe(topic: { generationId: string } | { userId: string; idempotencyKey: string }): Promise<AsyncGenerator<GenerationEvent>>;
  close(): Promise<void>;
}
