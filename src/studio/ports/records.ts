// A generation as its row keeps it, and the store of those rows. Every rule (one refund, idempotency,
// one settlement) is enforced in SQL; this is the shape the studio reads and writes.
import type { MarketplacePreset } from '../marketplace-presets.js';
import type { StoredExport } from './cutout.js';
import type { Description, EncodedImage, GenerationMode, GenerationStatus, Slot, VisionImage } from './images.js';
export type { Description } from './images.js';
import type { Reservation } from './jobs.js';
import type { ImageReview } from './review.js';
import type { StyleOptions } from '../style-catalog.js';

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
  /** absent on images made before reviews existed (read as UNCHECKED) */
  review?: ImageReview;
  /** the image made to marketplace presets (one per preset), newest last */
  exports?: StoredExport[];
  /** the product cut out, a transparent PNG (PACKSHOT) */
  cutoutKey?: string;
}

export interface VideoPrompt {
  version: 'A' | 'B';
  text: string;
}

/** What a generation row keeps of its request: everything a worker elsewhere needs to run it. */
export interface GenerationInput {
  options: StyleOptions;
  freeText: string | null;
  uploadedSlots: Slot[];
  /** called once the generation has finished (checked when the request came in) */
  webhookUrl?: string | null;
  /** the inspected uploads without their bytes, which are in Storage (inputKey): the vision copy,
   *  and the upload itself when the generator reads reference copies (the worker makes them) */
  images?: Array<Omit<VisionImage, 'vision'> & { vision: Omit<EncodedImage, 'bytes'> }>;
  /** every image is also made to these presets, in the job (GenerateImagesInput.exports) */
  exports?: MarketplacePreset[];
  /** PACKSHOT: a soft contact shadow under the product */
  shadow?: boolean;
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
  input: GenerationInput;
  createdAt: Date;
  finishedAt: Date | null;
  deadlineAt: Date;
  /** the catalogue this batch is an item of (null for a batch of its own) */
  catalogId?: string | null;
  /** its SKU in that catalogue */
  catalogSku?: string | null;
}

/** A generation's reservation: the job's price and its row. */
export interface GenerationReservation extends Reservation {
  kind: 'generation';
  mode: GenerationMode;
  count: number;
  input: GenerationInput;
}

export interface Settlement {
  images: StoredImage[];
  warnings: string[];
}

export type Ordinal<T> = { ordinal: number; node: T };

/** The generation rows: a worker's run, its settlement, and what readers see. */
export interface GenerationStore {
  /** a worker takes the generation: QUEUED → RUNNING with a fresh deadline; the row as it stands after */
  beginRun(generationId: string, deadlineAt: Date): Promise<GenerationRecord | null>;
  /** what the vision model saw and the prompt composed from it, recorded before generating */
  recordPrompt(generationId: string, descriptions: Description[], enhancedPrompt: string, warnings: string[]): Promise<void>;
  setProviderRequest(generationId: string, providerRequestId: string): Promise<void>;
  /** false when the generation was already settled (canceled, or finished by another attempt) */
  complete(generationId: string, settlement: Settlement): Promise<boolean>;
  /** keeps the images of a batch none of which passed the review, marks it FAILED and refunds it once */
  failWithImages(generationId: string, settlement: Settlement, reason: string): Promise<{ refunded: boolean; balance: number }>;
  /** marks the generation FAILED (or CANCELED) and refunds its cost exactly once */
  fail(generationId: string, reason: string, status?: 'FAILED' | 'CANCELED'): Promise<{ refunded: boolean; balance: number }>;
  generation(id: string): Promise<GenerationRecord | null>;
  /** the user's generations, newest first, older than ordinal `before`; `ordinal`: the row's place among
   *  this user's own (oldest = 1), what their history's cursors are made of */
  generations(userId: string, limit: number, before?: number): Promise<Array<Ordinal<GenerationRecord>>>;
  /** unfinished (QUEUED or RUNNING) generations whose deadline has passed: for operators and tests; the queue itself retries jobs */
  overdue(now: Date): Promise<GenerationRecord[]>;
}
