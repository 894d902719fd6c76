// The generation prompt: style options + what the vision model saw in each photo + the seller's own
// words. Slot-aware: product photos give the product's exact details, the face photo the model's
// identity, the background photo the environment. Product-only content forbids people except the
// hands or feet an interaction asks for.
import type { Description, GenerationMode } from './ports.js';
import { CATALOG, type StyleOptions } from './style-catalog.js';

export interface PromptFacts {
  options: StyleOptions;
  descriptions: Description[];
  /** slots that were uploaded (described or not) */
  uploadedSlots: string[];
  freeText: string | null;
  mode: GenerationMode;
}

const MODEL_PEOPLE: Record<string, string> = {
  WOMAN: 'an Indonesian woman model',
  MAN: 'an Indonesian man model',
  BOY: 'a young Indonesian boy model',
  GIRL: 'a young Indonesian girl model',
  ANIMAL: 'a well-groomed animal model',
  CARTOON: 'a friendly 3D cartoon character model',
};

const USE_BY_CATEGORY: Record<string, string> = {
  FASHION: 'wearing the product',
  BEAUTY: 'presenting the beauty product near the face',
  BAGS: 'carrying the bag',
  FOOTWEAR: 'wearing the footwear',
  ACCESSORIES: 'wearing the accessory',
  HOME_LIVING: 'using the product at home',
  FOOD_BEVERAGE: 'enjoying the food or drink',
};

const INTERACTIONS: Record<string, string> = {
  ONE_HAND_WOMAN: "one woman's hand holding the product",
  TWO_HANDS_WOMAN: "two woman's hands holding the product",
  ONE_HAND_MAN: "one man's hand holding the product",
  TWO_HANDS_MAN: "two man's hands holding the product",
  FEET_WOMAN: "a woman's feet wearing or next to the product",
  FEET_MAN: "a man's feet wearing or next to the product",
  HANGER: 'a hand holding a hanger with the product on it',
};

const BACKGROUNDS: Record<string, string> = {
  STUDIO: 'a clean professional photo studio with a seamless backdrop',
  AESTHETIC_ROOM_WOMEN: 'an aesthetic feminine bedroom with soft decor',
  AESTHETIC_ROOM_MEN: 'an aesthetic masculine room with clean modern decor',
  VINYL_FLOOR_CURTAIN: 'a room with a vinyl wood floor and flowing curtains',
  WALL_RUG_FLOOR_LAMP: 'a cosy corner with a plain wall, a rug and a standing floor lamp',
  MINIMALIST: 'a minimalist space with neutral tones and few objects',
  STREET: 'an urban street with soft background blur',
  AESTHETIC_TABLE: 'an aesthetic tabletop with tasteful props',
  RUG: 'a textured rug surface',
  CURTAIN: 'a backdrop of soft sheer curtains',
  PLAIN_WALL: 'a plain painted wall',
  CAR_INTERIOR: 'the interior of a modern car',
  MALL: 'a bright modern shopping mall',
  REMOVE: 'a pure white (#FFFFFF) seamless background, isolated product, no props',
};

export const label = (kind: keyof typeof CATALOG, value: string | null) =>
  value ? (CATALOG[kind].find((o) => o.value === value)?.label ?? value) : null;

const PRODUCT_NOUNS: Record<string, string> = {
  FASHION: 'the fashion item',
  BEAUTY: 'the beauty product',
  BAGS: 'the bag',
  FOOTWEAR: 'the footwear',
  ACCESSORIES: 'the accessory',
  HOME_LIVING: 'the home product',
  FOOD_BEVERAGE: 'the food or drink product',
};

function subject(o: StyleOptions): string[] {
  const product = PRODUCT_NOUNS[o.category ?? ''] ?? 'the product';
  const pose = o.customPose ?? o.pose?.label ?? null;
  if (o.contentType === 'MODEL') {
    const who = MODEL_PEOPLE[o.modelType ?? ''] ?? 'a professional Indonesian model';
    const use = USE_BY_CATEGORY[o.category ?? ''] ?? 'presenting the product';
    return [
      `Professional e-commerce campaign photo of ${who} ${use}, ${product} clearly visible and in focus.`,
      pose ? `Pose: ${pose}.` : '',
    ];
  }
  const interaction = o.interaction && o.interaction !== 'NONE' ? INTERACTIONS[o.interaction] : null;
  const feet = o.interaction?.startsWith('FEET');
  return [
    `Professional e-commerce product photo of ${product}${pose ? `, ${pose.toLowerCase()}` : ''}.`,
    interaction
      ? `Show only ${interaction}, cropped at the ${feet ? 'ankles' : 'wrists'}: no face, no body, no other people.`
      : 'No people, no faces, no hands, no bodies: the product alone.',
  ];
}

function scene(o: StyleOptions, background: Description | undefined): string {
  if (o.background === 'UPLOADED' || background) {
    return `Setting: the environment of the background reference${background ? ` (${background.text})` : ''}.`;
  }
  if (o.background === 'SOLID_COLOR' && o.backgroundColor) return `Background: a seamless solid ${o.backgroundColor} backdrop.`;
  const preset = o.background ? BACKGROUNDS[o.background] : null;
  const custom = o.customBackground ? `${o.customBackground}` : null;
  return preset || custom ? `Background: ${[preset, custom].filter(Boolean).join('; ')}.` : '';
}

export function composePrompt(f: PromptFacts): string {
  const o = f.options;
  const products = f.descriptions.filter((d) => d.slot.startsWith('PRODUCT'));
  const face = f.descriptions.find((d) => d.slot === 'FACE');
  const background = f.descriptions.find((d) => d.slot === 'BACKGROUND');
  const referenceNote =
    f.mode === 'REFERENCE' && f.uploadedSlots.length
      ? 'Use the attached reference photos: reproduce the product exactly as photographed.'
      : '';

  const look = [
    o.style ? `${o.style.label} style` : null,
    o.lighting ? `${o.lighting.label.toLowerCase()} lighting` : null,
    o.cameraAngle ? `${o.cameraAngle.label.toLowerCase()} camera angle` : null,
    `${label('aspectRatio', o.aspectRatio)} frame`,
  ].filter(Boolean);

  return [
    ...subject(o),
    products.length
      ? `The product (${products.length} photo${products.length > 1 ? 's' : ''}): ${products.map((d) => d.text).join(' ')} Keep its exact colours, shape, material, logos and text.`
      : '',
    face && o.contentType === 'MODEL' ? `The model's face matches the reference: ${face.text} Keep the same identity.` : '',
    scene(o, background),
    referenceNote,
    `${look.join(', ')}.`,
    f.freeText ? `Seller's direction: ${f.freeText}` : '',
    'Photorealistic, sharp focus on the product, true-to-life colours, high detail, clean composition, no text overlays, no watermark.',
  ]
    .map((s) => s.trim())
    .filter(Boolean)
    .join(' ');
}
