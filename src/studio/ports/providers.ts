// The vendors behind the studio: who describes photos, who writes the prompt, who makes images.
import type { StyleOptions } from '../style-catalog.js';
import type { GenerationMode, GenerativeMode, PreparedImage, Slot, VisionImage } from './images.js';
import type { GenerationProgress } from './events.js';
import type { Description } from './records.js';

/** Shared store of descriptions so a repeated photo costs no vision call. */
export interface DescriptionCache {
  get(key: string): Promise<string | null>;
  put(key: string, text: string): Promise<void>;
}

export interface Describer {
  /** who runs it (gemini, local): a metrics label */
  readonly vendor: string;
  /** model id, part of the description cache key */
  readonly model: string;
  /** rejects with DescribeError when it can say why (refused, rejected); any other error is a failure */
  describe(image: VisionImage, signal: AbortSignal): Promise<string | DescribeReply>;
  /** true for each generated image the vision model judges unsafe; used when the image model reports nothing */
  screen?(images: GeneratedImage[], signal: AbortSignal): Promise<boolean[]>;
  /** its descriptions quote the printed text on a product (a vision model reads it; the local one cannot):
   *  the review may then compare outputs with the descriptions instead of sending the photos again */
  readonly readsPrintedText?: boolean;
  /** One call for the batch's vision step: describes `photos` (those not described before) and writes
   *  the final prompt from them and `request` (which carries the descriptions already known). The
   *  studio checks the prompt as it checks a PromptWriter's; on any failure it describes photo by photo. */
  describeAndWrite?(photos: VisionImage[], request: PromptRequest, signal: AbortSignal): Promise<VisionStep>;
}

export interface VisionStep {
  /** one description per photo sent, in the describe call's style */
  notes: Description[];
  prompt: string;
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
  readonly vendor: string;
  readonly model: string;
  write(request: PromptRequest, signal: AbortSignal): Promise<string>;
}

export interface GenerateRequest {
  generationId: string;
  prompt: string;
  count: number;
  mode: GenerationMode;
  options: StyleOptions;
  /** every prepared upload; REFERENCE generators send them, the local one composes them */
  references: PreparedImage[];
  /** one per batch, where the model takes one (its profile says): the images of a batch share it */
  seed?: number;
  /** REFERENCE: the copies already sent by stageReference, by slot (a failed one is sent again) */
  staged?: ReadonlyMap<Slot, Promise<string>>;
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
  readonly models?: Record<GenerativeMode, string>;
  /** REFERENCE photos the configured edit model reads, when the configuration says so */
  readonly maxReferences?: number;
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /** sends one reference copy to where the image model will read it (fal storage), as soon as the
   *  copy is made and while the vision model reads, so generate only submits; returns what generate
   *  gets back in `staged`. Absent: generate sends the references itself. */
  stageReference?(image: PreparedImage, signal: AbortSignal): Promise<string>;
  /** fetch the result of a job submitted before a restart; absent when the provider cannot resume.
   *  `aspectRatio`: the batch's (a StyleOptions value), for the sizes a provider does not report */
  resume?(providerRequestId: string, mode: GenerationMode, signal: AbortSignal, aspectRatio?: string): Promise<GenerateResult>;
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
