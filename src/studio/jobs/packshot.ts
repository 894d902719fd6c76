// PACKSHOT, run by the generation kind: each product photo cut out (the Cutout port: fal, or matting
// here) and placed on pure white, square, at the asked presets' size and product fill, with an
// optional soft contact shadow. No description, no prompt, no image model: its own lower price.
// The cutout itself (a transparent PNG) is kept beside each packshot.
import { cutoutKeyOf, exportsOf } from '../listing.js';
import { DEFAULT_PACKSHOT, PRESET_RULES } from '../marketplace-presets.js';
import { GenerationError, type Cutout, type CutoutImage, type GenerationRecord, type GenerationStore, type ListingImages, type Storage } from '../ports.js';
import type { Delivery } from '../review.js';
import { settle } from '../settle.js';
import { inputKey, uploadType } from './generation-inputs.js';
import type { JobContext } from './kind.js';

export interface PackshotDeps {
  cutout: Cutout;
  listing: ListingImages;
  storage: Storage;
}

/** The canvas every asked preset takes: the largest target side, the highest fill any needs. */
export function packshotSizing(presets: GenerationRecord['input']['exports']) {
  const rules = (presets ?? []).map((p) => PRESET_RULES[p]);
  if (rules.length === 0) return { side: DEFAULT_PACKSHOT.side, minSide: 0, fill: DEFAULT_PACKSHOT.fill };
  return {
    side: Math.max(...rules.map((r) => r.targetSide)),
    minSide: Math.max(...rules.map((r) => r.minSide)),
    fill: Math.max(...rules.map((r) => r.packshotFill)),
  };
}

/** The batch's packshots, ready for settle(); `cutoutKeys[i]` is where image i's cutout was kept. */
export async function makePackshots(deps: PackshotDeps, { record: g, signal, progress, stage }: JobContext<GenerationRecord>): Promise<{ delivery: Delivery; cutoutKeys: string[] }> {
  const products = (g.input.images ?? []).filter((i) => i.kind === 'product').slice(0, g.count);
  if (products.length === 0) throw new GenerationError('A packshot needs a product photo.');
  const sizing = packshotSizing(g.input.exports);
  progress({ stage: 'GENERATING' });
  const started = new Date();
  /** the vendor's cut of a product photo, stored at once under `key` */
  const cutOut = async (meta: (typeof products)[number], key: string) => {
    const source = await deps.storage.get(inputKey(g.id, meta.slot, 'source', uploadType(meta.sourceFormat)));
    if (!source) throw new Error(`the upload of ${meta.slot} is missing from storage`);
    const cutout = await deps.cutout.cut({ bytes: source.bytes, contentType: source.contentType, signal });
    await deps.storage.put(key, cutout.png, 'image/png');
    return cutout;
  };
  const made = await Promise.all(
    products.map(async (meta, i) => {
      const cutoutKey = cutoutKeyOf(g.id, i + 1);
      // A retried attempt (a worker stopped mid-job) takes the cutout an earlier one paid the vendor
      // for: it was stored whole (Storage writes are atomic), straight after the cut.
      const kept = await deps.storage.get(cutoutKey);
      const cutout = kept ? storedCutout(kept.bytes) : await cutOut(meta, cutoutKey);
      const image = await deps.listing.packshot(cutout, { ...sizing, shadow: g.input.shadow ?? false });
      return { image, cutoutKey };
    }),
  );
  stage('generate', { provider: deps.cutout.vendor, model: deps.cutout.model }, started);
  return {
    delivery: {
      images: made.map(({ image }) => ({
        image: { url: '', width: image.width, height: image.height, contentType: image.contentType, bytes: image.bytes },
        // The seller's own product, cut out: nothing generated to review.
        review: { verdict: 'UNCHECKED', score: null, issues: [] },
      })),
      warnings: [...new Set(made.flatMap(({ image }) => image.warnings))],
      refundReason: null,
    },
    cutoutKeys: made.map((m) => m.cutoutKey),
  };
}

/** A stored cutout, its size read from the PNG's header (IHDR: width and height at bytes 16 and 20). */
function storedCutout(png: Uint8Array): CutoutImage {
  const header = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { png, width: header.getUint32(16), height: header.getUint32(20) };
}

/** The PACKSHOT job: the packshots, their cutouts and exports, the batch settled. */
export async function runPackshot(deps: PackshotDeps & { generations: GenerationStore }, context: JobContext<GenerationRecord>): Promise<void> {
  const g = context.record;
  const { delivery, cutoutKeys } = await makePackshots(deps, context);
  const started = new Date();
  const exports = exportsOf(deps, g.id, g.input.exports ?? []);
  // A packshot shows the product alone: its video prompts move the product, not a model.
  await settle(deps, g.id, { ...g.input.options, contentType: 'PRODUCT_ONLY', interaction: null }, [], delivery, (done, total) => context.progress({ stage: 'IMAGE_STORED', done, total }), async (index, bytes) => ({
    cutoutKey: cutoutKeys[index - 1],
    ...(await exports(index, bytes)),
  }));
  context.stage('store', { provider: 'storage' }, started);
}
