// Which photos the edit model receives, in which order, and how the prompt names each by its position
// in image_urls. Multi-reference edit models are steered by position ("Figure 1", "image 2"), so
// the names must match exactly what is sent: products first, then the face, then the background,
// never a photo the vision model refused, never more than the model reads.
import { SLOTS, slotKind, type Slot } from '../ports.js';
import type { ModelProfile } from './profiles.js';

export interface ReferencePlan<T extends { slot: Slot }> {
  sent: T[];
  /** slots left out because the model reads fewer photos */
  dropped: Slot[];
}

export function planReferences<T extends { slot: Slot }>(images: T[], refused: Slot[], maxReferences: number): ReferencePlan<T> {
  const usable = images.filter((i) => !refused.includes(i.slot)).sort((a, b) => SLOTS.indexOf(a.slot) - SLOTS.indexOf(b.slot));
  return { sent: usable.slice(0, maxReferences), dropped: usable.slice(maxReferences).map((i) => i.slot) };
}

/** "Figure 2", or "Figures 1 to 4" for a run. */
export function positions(label: ModelProfile['referenceLabel'], from: number, to: number): string {
  return from === to ? `${label} ${from}` : `${label}s ${from} to ${to}`;
}

/** Where each kind of photo sits in image_urls (1-based), for the slots sent. */
export function rolesOf(sent: Slot[]): { product?: [number, number]; face?: number; background?: number } {
  const at = (kind: string) => sent.map((s, i) => (slotKind(s) === kind ? i + 1 : 0)).filter(Boolean);
  const products = at('product');
  return {
    ...(products.length ? { product: [products[0]!, products.at(-1)!] as [number, number] } : {}),
    ...(at('face').length ? { face: at('face')[0] } : {}),
    ...(at('background').length ? { background: at('background')[0] } : {}),
  };
}

/** One sentence naming every input by its position. */
export function rolesSentence(sent: Slot[], label: ModelProfile['referenceLabel']): string {
  const roles = rolesOf(sent);
  const parts: string[] = [];
  if (roles.product) {
    const [from, to] = roles.product;
    parts.push(from === to ? `${positions(label, from, to)} shows the product` : `${positions(label, from, to)} show the same product from different angles`);
  }
  if (roles.face) parts.push(`${positions(label, roles.face, roles.face)} shows the model's face`);
  if (roles.background) parts.push(`${positions(label, roles.background, roles.background)} shows the background`);
  if (!parts.length) return '';
  const text = parts.join('; ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}
