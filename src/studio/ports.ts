// The studio's ports: everything the pipeline needs from the outside world, as small interfaces.
// Adapters (src/adapters/*) implement them; the studio never imports an adapter or a vendor SDK.
import type { StyleOptions } from './style-catalog.js';

/** Upload slots, in the order references are given to an edit model: products first. */
export const SLOTS = ['PRODUCT_1', 'PRODUCT_2', 'PRODUCT_3', 'PRODUCT_4', 'FACE', 'BACKGROUND'] as const;
export type Slot = (typeof SLOTS)[number];
export type SlotKind = 'product' | 'face' | 'background';
export type GenerationMode = 'TEXT_TO_IMAGE' | 'REFERENCE';
export type GenerationStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED';

export const slotKind = (slot: Slot): SlotKind =>
  slot === 'FACE' ? 'face' : slot === 'BACKGROUND' ? 'background' : 'product';

/** One re-encoded variant of an upload: auto-rotated, metadata stripped. */
export interface EncodedImage {
  bytes: Uint8Array;
  contentType: 'image/jpeg' | 'image/webp';
  width: number;
  height: number;
  /** hex SHA-256 of `bytes`: stable key for caches. */
  sha256: string;
}

/** An upload that passed validation, as the vision model reads it. Providers never see the raw upload. */
export interface VisionImage {
  slot: Slot;
  kind: SlotKind;
  /** format detected from the bytes of the upload */
  sourceFormat: 'jpeg' | 'png' | 'webp';
  sourceBytes: number;
  sourceWidth: number;
  sourceHeight: number;
  /** long edge ≤ 1024 px: what a vision model reads */
  vision: EncodedImage;
}

/** A VisionImage plus the larger copy a generator composes or edits from. */
export interface PreparedImage extends VisionImage {
  /** long edge ≤ 2048 px */
  reference: EncodedImage;
}

export interface Describer {
  /** model id, part of the description cache key */
  readonly model: string;
  /** rejects with DescribeError when it can say why (refused, rejected); any other error is a failure */
  describe(image: VisionImage, signal: AbortSignal): Promise<string | DescribeReply>;
  /** true for each generated image the vision model judges unsafe; used when the image model reports nothing */
  screen?(images: GeneratedImage[], signal: AbortSignal): Promise<boolean[]>;
}

export interface DescribeReply {
  text: string;
  /** the text is partial (cut at the output limit and trimmed to whole sentences): told to the seller */
  warning?: string;
}

/** Why a photo has no description. `refused`: the vision model's safety filter blocked it, so it must
 *  not be sent on to the image model either. `rejected`: the request itself was refused (a
 *  non-retryable 4xx: key, model id, parameter), so every photo will fail the same way. */
export class DescribeError extends Error {
  constructor(
    message: string,
    readonly kind: 'refused' | 'rejected' | 'failed',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DescribeError';
  }
}

/** Everything a prompt writer needs to write the final English prompt for one generation. */
export interface PromptRequest {
  mode: GenerationMode;
  options: StyleOptions;
  descriptions: Description[];
  /** the seller's own words, in any language */
  freeText: string | null;
  /** REFERENCE: the sentence naming each input by position, to be kept verbatim; null otherwise */
  roles: string | null;
  /** the deterministic prompt for the same facts: already correct and within limits */
  draft: string;
  targetModel: string;
  limits: { chars: number; words?: number; t5Tokens?: number };
}

/** Turns the facts into the final prompt (translating the seller's text); the studio checks the
 *  answer and falls back to its own composer on any failure. */
export interface PromptWriter {
  readonly model: string;
  write(request: PromptRequest, signal: AbortSignal): Promise<string>;
}

/** Shared store of descriptions so a repeated photo costs no vision call. */
export interface DescriptionCache {
  get(key: string): Promise<string | null>;
  put(key: string, text: string): Promise<void>;
}

export type GenerationProgress =
  | { stage: 'DESCRIBING'; done: number; total: number }
  /** `position`: jobs ahead at Etalase (`at: 'ETALASE'`) or at the image service (`at: 'PROVIDER'`) */
  | { stage: 'QUEUED'; position: number | null; at?: 'ETALASE' | 'PROVIDER' }
  | { stage: 'GENERATING' }
  | { stage: 'IMAGE_STORED'; done: number; total: number }
  | { stage: 'SETTLING' }
  | { stage: 'FINISHED'; status: GenerationStatus };

/** A progress event as subscribers see it. `generationId` is null when a request was refused before
 *  a generation existed (bad input, no coins): key subscribers still hear that it finished. */
export type GenerationEvent = GenerationProgress & { generationId: string | null };

/** Where a generation's events go: by generation id, and by the client's idempotency key. */
export interface EventBus {
  publish(to: { generationId: string | null; userId: string; idempotencyKey: string | null }, event: GenerationEvent): void;
  /** events until the caller stops iterating; listening starts before this returns */
  subscribe(topic: { generationId: string } | { userId: string; idempotencyKey: string }): AsyncGenerator<GenerationEvent>;
  close(): Promise<void>;
}

export interface GenerateRequest {
  generationId: string;
  prompt: string;
  count: number;
  mode: GenerationMode;
  options: StyleOptions;
  /** every prepared upload; REFERENCE generators send them, the local one composes them */
  references: PreparedImage[];
  signal: AbortSignal;
  onProgress(progress: GenerationProgress): void;
  /** called once the provider has accepted the job, before waiting for it: store the id to resume after a crash */
  onSubmitted(providerRequestId: string): Promise<void>;
}

export interface GeneratedImage {
  /** where the provider left it (fal's CDN), or '' when the bytes came back directly */
  url: string;
  width: number;
  height: number;
  contentType: string;
  /** the image itself, when the generator already holds it (the local one, or fal's after the copy) */
  bytes?: Uint8Array;
}

/** An image of a finished generation as the ledger keeps it: our own copy in Storage, under `key`. */
export interface StoredImage {
  /** Storage key; a URL is signed from it each time the generation is read */
  key?: string;
  /** only for images recorded before Storage existed */
  url?: string;
  width: number;
  height: number;
  contentType: string;
  videoPrompts: VideoPrompt[];
}

export interface GenerateResult {
  images: GeneratedImage[];
  warnings: string[];
  /** the image model's own safety output was read (flagged images already withheld); when false the
   *  studio has the vision model check each image */
  screened?: boolean;
}

export interface Generator {
  readonly name: string;
  /** model id per mode, looked up in the prompt profiles (budget, references, safety output) */
  readonly models?: Record<GenerationMode, string>;
  /** REFERENCE photos the configured edit model reads, when the configuration says so */
  readonly maxReferences?: number;
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /** fetch the result of a job submitted before a restart; absent when the provider cannot resume */
  resume?(providerRequestId: string, mode: GenerationMode, signal: AbortSignal): Promise<GenerateResult>;
}

/** A generator failure the user may be told about (already safe to show). */
export class GenerationError extends Error {
  constructor(
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'GenerationError';
  }
}

export interface Description {
  slot: Slot;
  text: string;
}

export interface GenerationRecord {
  id: string;
  userId: string;
  status: GenerationStatus;
  mode: GenerationMode;
  count: number;
  cost: number;
  descriptions: Description[];
  enhancedPrompt: string | null;
  images: StoredImage[];
  warnings: string[];
  providerRequestId: string | null;
  error: string | null;
  /** what the request was, kept so a resumed job can be finished */
  input: unknown;
  createdAt: Date;
  finishedAt: Date | null;
  deadlineAt: Date;
}

export interface VideoPrompt {
  version: 'A' | 'B';
  text: string;
}

export interface ReserveRequest {
  generationId: string;
  userId: string;
  cost: number;
  mode: GenerationMode;
  count: number;
  idempotencyKey: string | null;
  /** hash of everything that defines the request: the same key with another hash is a conflict */
  requestHash: string;
  deadlineAt: Date;
  /** what a resumed job needs to finish: the validated options and free text */
  input: unknown;
}

export type ReserveOutcome =
  | { kind: 'reserved'; balance: number }
  | { kind: 'replay'; generationId: string }
  | { kind: 'insufficient'; required: number; balance: number }
  | { kind: 'idempotency-conflict'; generationId: string }
  | { kind: 'rate-limited'; message: string; retryAfterSeconds: number };

export interface CoinEntry {
  id: string;
  delta: number;
  kind: 'signup' | 'grant' | 'debit' | 'refund';
  generationId: string | null;
  reason: string | null;
  balanceAfter: number;
  createdAt: Date;
}

export type Ordinal<T> = { ordinal: number; node: T };

export interface Settlement {
  images: GenerationRecord['images'];
  warnings: string[];
}

/** Coins and generations, plus the description cache kept in the same database. Every rule (balance ≥ 0, one refund, idempotency) is enforced in SQL. */
export interface Ledger extends DescriptionCache {
  /** creates the profile with the signup credit on first sight; returns the balance */
  ensureProfile(userId: string): Promise<number>;
  balance(userId: string): Promise<number>;
  reserve(request: ReserveRequest): Promise<ReserveOutcome>;
  /** a worker takes the generation: QUEUED → RUNNING with a fresh deadline; the row as it stands after */
  beginRun(generationId: string, deadlineAt: Date): Promise<GenerationRecord | null>;
  /** what the vision model saw and the prompt composed from it, recorded before generating */
  recordPrompt(generationId: string, descriptions: Description[], enhancedPrompt: string, warnings: string[]): Promise<void>;
  setProviderRequest(generationId: string, providerRequestId: string): Promise<void>;
  /** false when the generation was already settled (canceled, or finished by another attempt) */
  complete(generationId: string, settlement: Settlement): Promise<boolean>;
  /** marks the generation FAILED (or CANCELED) and refunds its cost exactly once */
  fail(generationId: string, reason: string, status?: 'FAILED' | 'CANCELED'): Promise<{ refunded: boolean; balance: number }>;
  generation(id: string): Promise<GenerationRecord | null>;
  /** the user's generations, newest first, older than ordinal `before`; `ordinal`: the row's place among
   *  this user's own (oldest = 1), what their history's cursors are made of */
  generations(userId: string, limit: number, before?: number): Promise<Array<Ordinal<GenerationRecord>>>;
  /** the user's coin movements, newest first, paged the same way */
  coinHistory(userId: string, limit: number, before?: number): Promise<Array<Ordinal<CoinEntry>>>;
  /** unfinished (QUEUED or RUNNING) generations whose deadline has passed: for operators and tests; the queue itself retries jobs */
  overdue(now: Date): Promise<GenerationRecord[]>;
  grant(userId: string, amount: number, reason: string): Promise<number>;
  /** sum of ledger rows for a user: equals the balance when the books are right */
  ledgerSum(userId: string): Promise<number>;
  /** every way the books are wrong (negative balance, sum ≠ balance, refunds ≠ 1 per failure); empty when right */
  problems(): Promise<Array<{ userId: string; problem: string }>>;
  /** the signup credit new users receive (kept in the database so the auth trigger sees it) */
  setSignupCoins(coins: number): Promise<void>;
  /** fair use, enforced in SQL for every instance: generations QUEUED or RUNNING per user, starts per
   *  minute (null: no limit); reserve answers 'rate-limited' past them */
  setGenerationLimits(limits: { maxActive: number | null; perMinute: number | null }): Promise<void>;
  /** adds `cost` to the subject's one-minute query budget; 0 when within `limit`, else seconds to wait */
  spendQueryBudget(subject: string, cost: number, limit: number): Promise<number>;
  /** a place among the user's at most `max` open subscriptions, for `ttlSeconds`; false when full */
  acquireSubscriptionLease(leaseId: string, userId: string, max: number, ttlSeconds: number): Promise<boolean>;
  releaseSubscriptionLease(leaseId: string): Promise<void>;
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

/** What an upload's header says, read without decoding a pixel. */
export interface CheckedImage {
  slot: Slot;
  sourceFormat: VisionImage['sourceFormat'];
  sourceBytes: number;
  sourceWidth: number;
  sourceHeight: number;
}

/** Turns an upload into provider-ready copies: type from the bytes, pixel limit, auto-rotate, re-encode.
 *  Rejects with InvalidImageError (studio/errors.ts) naming the slot. Decoding is CPU- and
 *  memory-heavy, so implementations bound it process-wide: a busy server queues, it does not grow. */
export interface ImagePreparer {
  /** the cheap refusals, from the header alone: type, dimensions, pixel limit, minimum size, a file cut short */
  check(slot: Slot, bytes: Uint8Array): Promise<CheckedImage>;
  /** checks every upload before decoding any, then decodes them in full with the small vision copy;
   *  the first refusal (in upload order for header refusals) rejects at once and drops queued decodes */
  inspectAll(uploads: ReadonlyArray<{ slot: Slot; bytes: Uint8Array }>, signal?: AbortSignal): Promise<InspectedImage[]>;
  /** inspectAll of one upload */
  inspect(slot: Slot, bytes: Uint8Array): Promise<InspectedImage>;
  /** inspect and complete in one step */
  prepare(slot: Slot, bytes: Uint8Array): Promise<PreparedImage>;
}

export interface InspectedImage {
  image: VisionImage;
  /** makes the reference copy (stored with the vision copy for the worker that runs the job);
   *  still queued when `signal` (by default inspectAll's) aborts, it never starts */
  complete(signal?: AbortSignal): Promise<PreparedImage>;
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
