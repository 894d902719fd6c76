// Enums shared by several type files.
import { MARKETPLACE_PRESETS } from '../studio/marketplace-presets.js';
import { SLOTS } from '../studio/ports.js';
import { builder } from './builder.js';

export const ImageSlotEnum = builder.enumType('ImageSlot', {
  values: SLOTS,
});

export const GenerationModeEnum = builder.enumType('GenerationMode', {
  values: {
    TEXT_TO_IMAGE: { description: 'A text-to-image model works from the prompt composed from your photos and options.' },
    REFERENCE: { description: 'An edit model sees your photos themselves: closer to the real product, costs more.' },
    PACKSHOT: { description: 'Your product photo cut out and placed on pure white, square, sized for a marketplace (the first of `exports`, else 1600 px at 85% fill). No image model: cheaper and fast. Needs a product photo.' },
  } as const,
});

export const GenerationStatusEnum = builder.enumType('GenerationStatus', {
  values: ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED'] as const,
});

export const ContentTypeEnum = builder.enumType('ContentType', { values: ['MODEL', 'PRODUCT_ONLY'] as const });

export const VideoPromptVersionEnum = builder.enumType('VideoPromptVersion', {
  values: {
    A: { description: 'Soft natural motion, stable camera' },
    B: { description: 'A slow zoom onto the texture and branding' },
  } as const,
});

export const MarketplacePresetEnum = builder.enumType('MarketplacePreset', {
  description: "A marketplace's main-image rules (size, square, JPG/PNG, byte cap, white background, product fill). Each rule's source is in docs/listing.md.",
  values: MARKETPLACE_PRESETS,
});
