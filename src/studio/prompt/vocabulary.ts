// The English phrases the composer builds prompts from, one table per style option.
import { CATALOG } from '../style-catalog.js';

export const MODEL_PEOPLE: Record<string, string> = {
  WOMAN: 'an Indonesian woman model',
  MAN: 'an Indonesian man model',
  BOY: 'a young Indonesian boy model',
  GIRL: 'a young Indonesian girl model',
  ANIMAL: 'a well-groomed animal model',
  CARTOON: 'a friendly 3D cartoon character model',
};

export const USE_BY_CATEGORY: Record<string, string> = {
  FASHION: 'wearing the product',
  BEAUTY: 'presenting the beauty product near the face',
  BAGS: 'carrying the bag',
  FOOTWEAR: 'wearing the footwear',
  ACCESSORIES: 'wearing the accessory',
  HOME_LIVING: 'using the product at home',
  FOOD_BEVERAGE: 'enjoying the food or drink',
};

export const INTERACTIONS: Record<string, string> = {
  ONE_HAND_WOMAN: "one woman's hand holding the product",
  TWO_HANDS_WOMAN: "a woman's two hands holding the product",
  ONE_HAND_MAN: "one man's hand holding the product",
  TWO_HANDS_MAN: "a man's two hands holding the product",
  FEET_WOMAN: "a woman's feet wearing or next to the product",
  FEET_MAN: "a man's feet wearing or next to the product",
  HANGER: 'a hand holding a hanger with the product on it',
};

export const BACKGROUNDS: Record<string, string> = {
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
  REMOVE: 'a pure white seamless background, the product isolated, no props',
};

export const label = (kind: keyof typeof CATALOG, value: string | null) =>
  value ? (CATALOG[kind].find((o) => o.value === value)?.label ?? value) : null;

export const PRODUCT_NOUNS: Record<string, string> = {
  FASHION: 'the fashion item',
  BEAUTY: 'the beauty product',
  BAGS: 'the bag',
  FOOTWEAR: 'the footwear',
  ACCESSORIES: 'the accessory',
  HOME_LIVING: 'the home product',
  FOOD_BEVERAGE: 'the food or drink product',
};

/** A style label with its noun, unless the label already names it: "Lifestyle", never "Lifestyle style". */
export function phrase(labelText: string, noun: string, already: RegExp): string {
  const words = lowerLabel(labelText);
  return already.test(labelText) ? words : `${words} ${noun}`;
}

/** "Standing Portrait" → "standing portrait", "Eye-Level" → "eye-level"; brand-like "TikTok" stays. */
export const lowerLabel = (text: string) =>
  text
    .split(/(\s+|-)/)
    .map((w) => (/[A-Z]/.test(w.slice(1)) ? w : w.toLowerCase()))
    .join('');
