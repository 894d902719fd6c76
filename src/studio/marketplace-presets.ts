// The marketplaces' main-image rules, in one table: what an export is made to and checked against.
// Every rule names where it was read. Most marketplaces publish their rules inside seller portals
// that need an account; where only a third-party summary was found, the source says so
// (NOT_CONFIRMED + the summary's address). Looked up 2026-12-04; STACK-NOTES.md lists the figures.
// A rule that cannot be measured offline (no added text or watermark) is kept here for the seller to
// read but is not part of the measured compliance list.

export const MARKETPLACE_PRESETS = ['TIKTOK_SHOP', 'SHOPEE', 'TOKOPEDIA', 'LAZADA', 'AMAZON', 'GOOGLE_SHOPPING'] as const;
export type MarketplacePreset = (typeof MARKETPLACE_PRESETS)[number];

export const NOT_CONFIRMED = "not confirmed on the marketplace's own page";

export interface PresetRules {
  label: string;
  /** pixels of each side: the smallest accepted, and the largest */
  minSide: number;
  maxSide: number;
  /** the side an export is made at when the source allows (never upscaled past the source) */
  targetSide: number;
  /** width / height; every preset's main image is square */
  aspect: number;
  formats: Array<'image/jpeg' | 'image/png'>;
  maxBytes: number;
  /** true: the border must be plain white (#FFFFFF, within `whiteMin` per channel) */
  whiteBackground: boolean;
  /** each channel at least this for a border pixel to count as white */
  whiteMin: number;
  /** the product's bounding box: its long side as a share of the frame's side */
  fill: { min: number; max: number };
  /** where the packshot puts the product */
  packshotFill: number;
  textRule: string;
  /** rule → its source: an address, or NOT_CONFIRMED with the third-party summary read instead */
  sources: Record<'size' | 'aspect' | 'format' | 'bytes' | 'background' | 'fill' | 'text', string>;
}

const MB = 1024 * 1024;
const thirdParty = (url: string) => `${NOT_CONFIRMED}; third-party summary: ${url}`;

export const PRESET_RULES: Record<MarketplacePreset, PresetRules> = {
  TIKTOK_SHOP: {
    label: 'TikTok Shop',
    minSide: 600,
    maxSide: 20000,
    targetSide: 1200,
    aspect: 1,
    formats: ['image/jpeg', 'image/png'],
    maxBytes: 5 * MB,
    whiteBackground: true,
    whiteMin: 245,
    fill: { min: 0.6, max: 1 },
    packshotFill: 0.85,
    textRule: 'No added text, logos or watermarks on the main image.',
    sources: {
      size: `${NOT_CONFIRMED} (summaries: ≥ 600×600, ≤ 5 MB, JPG/PNG, white, no text)`,
      aspect: NOT_CONFIRMED,
      format: NOT_CONFIRMED,
      bytes: NOT_CONFIRMED,
      background: NOT_CONFIRMED,
      fill: `${NOT_CONFIRMED} (house range: the product's long side at least 60% of the frame)`,
      text: NOT_CONFIRMED,
    },
  },
  SHOPEE: {
    label: 'Shopee',
    minSide: 500,
    maxSide: 5000,
    targetSide: 1024,
    aspect: 1,
    formats: ['image/jpeg', 'image/png'],
    maxBytes: 2 * MB,
    whiteBackground: true,
    whiteMin: 245,
    fill: { min: 0.6, max: 1 },
    packshotFill: 0.85,
    textRule: 'No excessive text on the cover image.',
    sources: {
      size: NOT_CONFIRMED,
      aspect: NOT_CONFIRMED,
      format: NOT_CONFIRMED,
      bytes: NOT_CONFIRMED,
      background: NOT_CONFIRMED,
      fill: `${NOT_CONFIRMED} (summaries: the product at least 60% of the cover)`,
      text: NOT_CONFIRMED,
    },
  },
  TOKOPEDIA: {
    label: 'Tokopedia',
    minSide: 301,
    maxSide: 5000,
    targetSide: 1200,
    aspect: 1,
    formats: ['image/jpeg', 'image/png'],
    maxBytes: 5 * MB,
    whiteBackground: true,
    whiteMin: 245,
    fill: { min: 0.6, max: 1 },
    packshotFill: 0.85,
    textRule: 'No added text or watermark.',
    sources: {
      size: `${NOT_CONFIRMED} (read as the seller centre's figures: larger than 300×300; its address was not recorded)`,
      aspect: NOT_CONFIRMED,
      format: `${NOT_CONFIRMED} (seller centre figures: JPG/PNG)`,
      bytes: `${NOT_CONFIRMED} (seller centre figures: at most 5 MB)`,
      background: NOT_CONFIRMED,
      fill: `${NOT_CONFIRMED} (house range)`,
      text: NOT_CONFIRMED,
    },
  },
  LAZADA: {
    label: 'Lazada',
    minSide: 500,
    maxSide: 2000,
    targetSide: 1000,
    aspect: 1,
    formats: ['image/jpeg', 'image/png'],
    maxBytes: 3 * MB,
    whiteBackground: true,
    whiteMin: 245,
    fill: { min: 0.8, max: 1 },
    packshotFill: 0.88,
    textRule: 'No text, logos or watermarks on the main image.',
    sources: {
      size: `${NOT_CONFIRMED} (summaries: 500–2000 px, square)`,
      aspect: NOT_CONFIRMED,
      format: NOT_CONFIRMED,
      bytes: `${NOT_CONFIRMED} (house cap: 3 MB)`,
      background: NOT_CONFIRMED,
      fill: `${NOT_CONFIRMED} (summaries: the product at least 80% of the frame)`,
      text: NOT_CONFIRMED,
    },
  },
  AMAZON: {
    label: 'Amazon (main image)',
    minSide: 1000,
    maxSide: 10000,
    targetSide: 2000,
    aspect: 1,
    formats: ['image/jpeg', 'image/png'],
    maxBytes: 10 * MB,
    whiteBackground: true,
    // "pure white, RGB 255": JPEG noise is allowed one step
    whiteMin: 254,
    fill: { min: 0.85, max: 1 },
    packshotFill: 0.9,
    textRule: 'No text, logos, badges, borders or watermarks; the product only.',
    sources: {
      size: thirdParty('https://mercatuslab.com/blog/amazon-product-image-requirements (≥ 1000 px longest side for zoom, ≤ 10000 px)'),
      aspect: thirdParty('https://mercatuslab.com/blog/amazon-product-image-requirements (square recommended)'),
      format: thirdParty('https://retouchable.ai/blog/amazon-product-photography-requirements (JPEG, PNG, TIFF, GIF)'),
      bytes: `${NOT_CONFIRMED} (house cap: 10 MB)`,
      background: thirdParty('https://retouchable.ai/blog/amazon-product-photography-requirements (RGB 255, 255, 255)'),
      fill: thirdParty('https://retouchable.ai/blog/amazon-product-photography-requirements (85% minimum)'),
      text: thirdParty('https://retouchable.ai/blog/amazon-product-photography-requirements'),
    },
  },
  GOOGLE_SHOPPING: {
    label: 'Google Shopping',
    minSide: 250,
    maxSide: 8000,
    targetSide: 1500,
    aspect: 1,
    formats: ['image/jpeg', 'image/png'],
    maxBytes: 16 * MB,
    // white or light neutral is recommended, not required: the border is measured, and told, not ruled
    whiteBackground: false,
    whiteMin: 245,
    fill: { min: 0.5, max: 1 },
    packshotFill: 0.85,
    textRule: 'No watermarks, promotional text, logos or borders.',
    sources: {
      size: 'https://support.google.com/merchants/answer/6324350 (100×100, 250×250 for apparel; 64 MP)',
      aspect: `${NOT_CONFIRMED} (square preferred in summaries)`,
      format: 'https://support.google.com/merchants/answer/6324350 (JPEG, WebP, PNG, GIF, BMP, TIFF)',
      bytes: 'https://support.google.com/merchants/answer/6324350 (16 MB)',
      background: `${NOT_CONFIRMED} (white or light background recommended, not required)`,
      fill: `${NOT_CONFIRMED} (summaries: 75–90% of the canvas)`,
      text: 'https://support.google.com/merchants/answer/6324350',
    },
  },
};

/** The packshot's own sizing when no preset is asked for: square, white, the product at 85%. */
export const DEFAULT_PACKSHOT = { side: 1600, fill: 0.85 };

export const isPreset = (value: string): value is MarketplacePreset => (MARKETPLACE_PRESETS as readonly string[]).includes(value);
