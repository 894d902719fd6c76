// Uploads as the studio sees them: slots, the prepared copies, and the port that makes them.

/** Upload slots, in the order references are given to an edit model: products first. */
export const SLOTS = ['PRODUCT_1', 'PRODUCT_2', 'PRODUCT_3', 'PRODUCT_4', 'FACE', 'BACKGROUND'] as const;
export type Slot = (typeof SLOTS)[number];
export type SlotKind = 'product' | 'face' | 'background';
/** the modes an image model makes; PACKSHOT is background removal on white, no image model */
export type GenerativeMode = 'TEXT_TO_IMAGE' | 'REFERENCE';
export type GenerationMode = GenerativeMode | 'PACKSHOT';
export type GenerationStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED';

/** The long edge of the reference copy an edit model reads (and of what we send it). */
export const REFERENCE_LONG_EDGE = 2048;

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
  /** long edge ≤ REFERENCE_LONG_EDGE */
  reference: EncodedImage;
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
  /** the reference copy alone, of an upload inspected before (the worker's copy of what the API
   *  checked): the header is read again, the photo decoded once, at the reference size */
  reference(slot: Slot, bytes: Uint8Array, signal?: AbortSignal): Promise<EncodedImage>;
}

export interface InspectedImage {
  image: VisionImage;
  /** makes the reference copy (stored with the vision copy for the worker that runs the job);
   *  still queued when `signal` (by default inspectAll's) aborts, it never starts */
  complete(signal?: AbortSignal): Promise<PreparedImage>;
}

/** What a vision model saw in one of the seller's photos. */
export interface Description {
  slot: Slot;
  text: string;
}
