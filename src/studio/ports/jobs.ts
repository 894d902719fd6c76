// Running a batch: progress events, the durable job queue, webhooks, storage, and the small services.
import type { GenerationStatus } from './images.js';
import type { ReserveOutcome, ReserveRequest } from './ledger.js';

export type GenerationProgress =
  | { stage: 'DESCRIBING'; done: number; total: number }
  /** `position`: jobs ahead at Etalase (`at: 'ETALASE'`) or at the image service (`at: 'PROVIDER'`) */
  | { stage: 'QUEUED'; position: number | null; at?: 'ETALASE' | 'PROVIDER' }
  | { stage: 'GENERATING' }
  | { stage: 'IMAGE_STORED'; done: number; total: number }
  | { stage: 'FINISHED'; status: GenerationStatus };

/** A progress event as subscribers see it. `generationId` is null when a request was refused before
 *  a generation existed (bad input, no coins): key subscribers still hear that it finished. */
export type GenerationEvent = GenerationProgress & { generationId: string | null };

/** Where a generation's events go: by generation id, and by the client's idempotency key. */
export interface EventBus {
  publish(to: { generationId: string | null; userId: string; idempotencyKey: string | null }, event: GenerationEvent): void;
  /** Events until the caller stops iterating. Resolves once listening: an event published after that,
   *  by any instance, is delivered (on Redis: once Redis has answered the SUBSCRIBE). Never rejects:
   *  when the bus cannot listen (Redis down), that is logged and the events do not come. */
  subscribe(topic: { generationId: string } | { userId: string; idempotencyKey: string }): Promise<AsyncGenerator<GenerationEvent>>;
  close(): Promise<void>;
}

/** What a generation's job carries: enough to find its row and to address its events. */
export interface GenerationJob {
  generationId: string;
  userId: string;
  idempotencyKey: string | null;
  /** the request that started it, so the job's log lines can be found from it (set by observability) */
  requestId?: string;
}

export interface JobAttempt {
  /** 0 on the first run; more after a worker died (or the job expired) */
  retryCount: number;
  /** no retry follows this attempt: settle the generation whatever happens */
  final: boolean;
}

/** Durable jobs in the ledger's own database: a generation reserved and enqueued together. */
export interface JobQueue {
  /** the reservation (coins, generation row) and the job, in one transaction: both or neither;
   *  `position` (jobs ahead) is read in that transaction, before any worker can see the job */
  reserveAndEnqueue(request: ReserveRequest, job: GenerationJob): Promise<{ outcome: ReserveOutcome; position: number | null }>;
  /** jobs ahead of this one; null when it is not waiting (started, finished or unknown) */
  position(generationId: string): Promise<number | null>;
  /** the waiting jobs in the order they will start, each with its position */
  waiting(limit: number): Promise<Array<GenerationJob & { position: number }>>;
  /** takes a job that has not started out of the queue; false when it had started or is gone */
  remove(generationId: string): Promise<boolean>;
  /** runs `handler` for each job, up to `concurrency` at once in this process, until close() */
  work(concurrency: number, handler: (job: GenerationJob, attempt: JobAttempt) => Promise<void>): Promise<void>;
  /** queues the one webhook call of a finished generation (again for the same generation: nothing) */
  enqueueWebhook(delivery: WebhookDelivery): Promise<void>;
  /** runs `handler` for each webhook call; a throw retries it later, with backoff */
  workWebhooks(concurrency: number, handler: (delivery: WebhookDelivery) => Promise<void>): Promise<void>;
  /** stops taking jobs, lets running ones finish (up to `graceMs`), and disconnects */
  close(graceMs?: number): Promise<void>;
}

/** One webhook call: `id` is the same on every retry, so receivers can deduplicate. */
export interface WebhookDelivery {
  id: string;
  generationId: string;
  url: string;
}

/** Calls a backend's webhook, signed. */
export interface Webhooks {
  /** null when `url` may be called; otherwise why not, to tell the caller */
  check(url: string): Promise<string | null>;
  /** one signed POST; throws when the receiver did not accept it */
  deliver(delivery: WebhookDelivery, payload: unknown): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export interface Ids {
  uuid(): string;
}

export interface StoredObject {
  bytes: Uint8Array;
  contentType: string;
}

/** Our own copies of what a job needs (the prepared uploads) and what it made (every output image).
 *  Nothing in it is public: readers get URLs that are signed and expire. */
export interface Storage {
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  get(key: string): Promise<StoredObject | null>;
  /** a URL that reads `key` until it expires (MEDIA_URL_TTL_SECONDS) */
  signedUrl(key: string): Promise<string>;
  /** removes every object under `prefix` (a generation's inputs once it is settled); best effort */
  removePrefix(prefix: string): Promise<void>;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
