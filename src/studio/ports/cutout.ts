// Background removal and the listing derivatives made with it: a cutout (transparent PNG), a packshot
// on white, a marketplace export, and the measurements that say whether an image follows a preset.
// The cutout is a vendor (fal) or this machine (colour-distance matting); the pixel work is sharp's,
// behind ListingImages, so the studio stays free of image libraries.
import type { MarketplacePreset, PresetRules } from '../marketplace-presets.js';

export interface CutoutImage {
  /** a PNG with an alpha channel: the product opaque, the background transparent */
  png: Uint8Array;
  width: number;
  height: number;
}

export interface CutoutRequest {
  bytes: Uint8Array;
  contentType: string;
  signal: AbortSignal;
  /** called once the vendor accepted the job (a paid request a retry collects, never sends again) */
  onSubmitted?(providerRequestId: string): Promise<void>;
}

/** Failures the seller may be told about are GenerationError (ports/providers.ts). */
export interface Cutout {
  /** who runs it (local, fal): a metrics label */
  readonly vendor: string;
  /** the model (a fal app id, or 'local-matting') */
  readonly model: string;
  cut(request: CutoutRequest): Promise<CutoutImage>;
}

/** One measured rule of a preset: what it asks, what was found. */
export interface ComplianceCheck {
  rule: 'SIZE' | 'ASPECT' | 'FORMAT' | 'BYTES' | 'BACKGROUND' | 'PRODUCT_FILL';
  passed: boolean;
  measured: string;
  expected: string;
}

/** An image made to a preset, as its generation keeps it (our own copy in Storage). */
export interface StoredExport {
  preset: MarketplacePreset;
  key: string;
  width: number;
  height: number;
  bytes: number;
  contentType: string;
  compliance: ComplianceCheck[];
  warnings?: string[];
}

export interface MadeImage {
  bytes: Uint8Array;
  width: number;
  height: number;
  contentType: 'image/jpeg' | 'image/png';
  warnings: string[];
}

/** The pixel work of listings (sharp in adapters/listing/). */
export interface ListingImages {
  /** the cutout on pure white, square at `side` (less when the product is smaller: never upscaled), the
   *  product's long side at `fill` of it, with a soft contact shadow when asked */
  packshot(cutout: CutoutImage, options: { side: number; minSide: number; fill: number; shadow: boolean }): Promise<MadeImage>;
  /** `source` fitted and padded (with white, never cropping the product) to the preset's aspect and
   *  size, never upscaled past the source, compressed under its byte cap */
  exportTo(source: Uint8Array, rules: PresetRules): Promise<MadeImage>;
  /** measures `image` against the preset: size, aspect, format, bytes, border whiteness, product fill */
  measure(image: Uint8Array, rules: PresetRules): Promise<ComplianceCheck[]>;
  /** crops or pads `image` to `aspect` (width / height) when it is off by more than 1%; null when it is not */
  toAspect(image: Uint8Array, aspect: number): Promise<MadeImage | null>;
}
