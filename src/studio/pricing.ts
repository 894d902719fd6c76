// What a request costs. Priced per batch, like the original app: the count of images in a batch does
// not change the price, the mode does (REFERENCE runs a larger edit model; PACKSHOT none at all).
import type { GenerationMode } from './ports.js';

export interface Pricing {
  textToImage: number;
  reference: number;
  /** PACKSHOT: background removal only, no image model */
  packshot: number;
}

export function priceOf(pricing: Pricing, mode: GenerationMode): number {
  return mode === 'REFERENCE' ? pricing.reference : mode === 'PACKSHOT' ? pricing.packshot : pricing.textToImage;
}
