// The style vocabulary: stable English values for the API, the labels the original (Indonesian)
// frontend sent, and the poses valid per content type and category. Inputs accept any of the three
// spellings, case- and spacing-insensitive, so an old client sending "Wanita" keeps working.
import vocabulary from './style-options.json' with { type: 'json' };

export interface CatalogOption {
  value: string;
  label: string;
  labelId: string;
  note?: string;
}

const OPTION_KINDS = [
  'contentType',
  'category',
  'modelType',
  'interaction',
  'background',
  'style',
  'lighting',
  'cameraAngle',
  'aspectRatio',
] as const;
export type OptionKind = (typeof OPTION_KINDS)[number];

/** "45° Angle" → "ANGLE_45", "Side Angle (30-60°)" → "SIDE_ANGLE_30_60", "3:4" → "RATIO_3_4" */
function slug(text: string): string {
  const words = text
    .normalize('NFKD')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .toUpperCase()
    .split(/\s+/);
  if (/^\d/.test(words[0] ?? '')) {
    const lead = words.findIndex((w) => !/^\d/.test(w));
    return lead === -1 ? `RATIO_${words.join('_')}` : [...words.slice(lead), ...words.slice(0, lead)].join('_');
  }
  return words.join('_');
}

const ENGLISH_LABELS: Record<string, string> = {
  MODEL: 'Model',
  PRODUCT_ONLY: 'Product only',
  BAGS: 'Bags',
  FOOTWEAR: 'Footwear',
  ACCESSORIES: 'Accessories',
  HOME_LIVING: 'Home & Living',
  FOOD_BEVERAGE: 'Food & Beverage',
  WOMAN: 'Woman',
  MAN: 'Man',
  BOY: 'Boy',
  GIRL: 'Girl',
  ANIMAL: 'Animal',
  CARTOON: 'Cartoon',
};

function labelFor(value: string): string {
  return ENGLISH_LABELS[value] ?? value.charAt(0) + value.slice(1).toLowerCase().replace(/_/g, ' ');
}

type Labelled = { value: string; label_id: string; note?: string };

const fromLabelled = (items: Labelled[]): CatalogOption[] =>
  items.map((o) => ({ value: o.value, label: labelFor(o.value), labelId: o.label_id, ...(o.note ? { note: o.note } : {}) }));

// The original app sent these in English; the same text serves as its label.
const fromEnglish = (items: string[]): CatalogOption[] =>
  items.map((text) => ({ value: slug(text), label: text, labelId: text }));

export const CATALOG: Record<OptionKind, CatalogOption[]> = {
  contentType: fromLabelled(vocabulary.contentType),
  category: fromLabelled(vocabulary.category),
  modelType: fromLabelled(vocabulary.modelType),
  interaction: fromLabelled(vocabulary.interaction),
  background: fromLabelled(vocabulary.background),
  style: fromEnglish(vocabulary.style),
  lighting: fromEnglish(vocabulary.lighting),
  cameraAngle: fromEnglish(vocabulary.cameraAngle),
  aspectRatio: fromEnglish(vocabulary.aspectRatio),
};

export type ContentType = 'MODEL' | 'PRODUCT_ONLY';

export interface PoseGroup {
  contentType: ContentType;
  category: string;
  poses: CatalogOption[];
}

export const POSES: PoseGroup[] = Object.entries(vocabulary.poses).flatMap(([contentType, byCategory]) =>
  Object.entries(byCategory as Record<string, string[]>).map(([category, poses]) => ({
    contentType: contentType as ContentType,
    category,
    poses: fromEnglish(poses),
  })),
);

const key = (text: string) => text.normalize('NFKD').replace(/[^\p{L}\p{N}]+/gu, '').toLowerCase();

/** Finds an option by its value, English label or Indonesian label. */
export function lookup(options: CatalogOption[], input: string): CatalogOption | undefined {
  const k = key(input);
  if (!k) return undefined;
  return options.find((o) => key(o.value) === k || key(o.label) === k || key(o.labelId) === k);
}

export function posesFor(contentType: ContentType, category: string | null): CatalogOption[] {
  const groups = POSES.filter((g) => g.contentType === contentType && (category === null || g.category === category));
  const seen = new Map<string, CatalogOption>();
  for (const g of groups) for (const p of g.poses) seen.set(p.value, p);
  return [...seen.values()];
}

/** Aspect ratio value → [width, height] proportions. */
export function ratioOf(aspectRatio: string): [number, number] {
  const option = CATALOG.aspectRatio.find((o) => o.value === aspectRatio);
  const [w, h] = (option?.label ?? '1:1').split(':').map(Number);
  return [w ?? 1, h ?? 1];
}

/** Output size in pixels for an aspect ratio: long edge `longEdge`, both sides multiples of 16. */
export function pixelSize(aspectRatio: string, longEdge = 1024): { width: number; height: number } {
  const [w, h] = ratioOf(aspectRatio);
  const round16 = (n: number) => Math.max(16, Math.round(n / 16) * 16);
  return w >= h
    ? { width: longEdge, height: round16((longEdge * h) / w) }
    : { width: round16((longEdge * w) / h), height: longEdge };
}

/** Normalised, validated style choices. Values are catalog values; free text is trimmed. */
export interface StyleOptions {
  contentType: ContentType;
  category: string | null;
  modelType: string | null;
  interaction: string | null;
  pose: CatalogOption | null;
  customPose: string | null;
  background: string | null;
  /** "#rrggbb" */
  backgroundColor: string | null;
  customBackground: string | null;
  style: CatalogOption | null;
  lighting: CatalogOption | null;
  cameraAngle: CatalogOption | null;
  aspectRatio: string;
}
