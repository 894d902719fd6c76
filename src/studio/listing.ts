// Marketplace exports of one image: made to a preset, measured against it, kept in Storage. Shared by
// the generation job (GenerateImagesInput.exports, made before the batch is settled) and the export
// job (exportImage).
import { PRESET_RULES, type MarketplacePreset } from './marketplace-presets.js';
import type { ListingImages, Storage, StoredExport } from './ports.js';

/** Where an export is kept: beside its image, one per preset (a new one replaces the old). */
export const exportKey = (generationId: string, index: number, preset: MarketplacePreset, suffix = '') =>
  `outputs/${generationId}/${index}-${preset.toLowerCase()}${suffix}.jpg`;
export const cutoutKeyOf = (generationId: string, index: number) => `outputs/${generationId}/${index}-cutout.png`;

export async function makeExport(
  deps: { listing: ListingImages; storage: Storage },
  source: Uint8Array,
  preset: MarketplacePreset,
  key: string,
): Promise<StoredExport> {
  const rules = PRESET_RULES[preset];
  const made = await deps.listing.exportTo(source, rules);
  const compliance = await deps.listing.measure(made.bytes, rules);
  await deps.storage.put(key, made.bytes, made.contentType);
  return { preset, key, width: made.width, height: made.height, bytes: made.bytes.byteLength, contentType: made.contentType, compliance, ...(made.warnings.length ? { warnings: made.warnings } : {}) };
}

/** Every asked preset for one image of a batch, at once. */
export function exportsOf(deps: { listing: ListingImages; storage: Storage }, generationId: string, presets: MarketplacePreset[]) {
  return async (index: number, bytes: Uint8Array) =>
    presets.length ? { exports: await Promise.all(presets.map((p) => makeExport(deps, bytes, p, exportKey(generationId, index, p)))) } : {};
}
