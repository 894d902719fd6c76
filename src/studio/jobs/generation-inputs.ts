// What the jobs made from a generation's inputs share (the generation itself, its re-makes): where
// the inputs are stored, loading them back, the reference copies, the batch's seed, the review's context.
import type { Description, Describer, GenerationInput, ImagePreparer, PreparedImage, Slot, Storage, VisionImage } from '../ports.js';
import { ratioOf } from '../style-catalog.js';
import { inputsPrefix } from './kind.js';

/** Where a generation's inputs are stored: the vision copy of each upload, and the upload itself when
 *  the generator reads reference copies (the worker makes them; nothing is written after the job is
 *  visible to a worker). */
export const inputKey = (generationId: string, slot: Slot, variant: 'vision' | 'source', contentType: string) =>
  `${inputsPrefix(generationId)}${slot}-${variant}.${EXTENSIONS[contentType] ?? 'jpg'}`;

const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };
/** the content type of an upload of this (detected) format */
export const uploadType = (format: VisionImage['sourceFormat']) => `image/${format}`;

export async function loadVision(storage: Storage, generationId: string, input: GenerationInput): Promise<VisionImage[]> {
  return Promise.all(
    (input.images ?? []).map(async (meta) => {
      const object = await storage.get(inputKey(generationId, meta.slot, 'vision', meta.vision.contentType));
      if (!object) throw new Error(`the vision copy of ${meta.slot} is missing from storage`);
      return { ...meta, vision: { ...meta.vision, bytes: object.bytes } };
    }),
  );
}

/** The reference copies, made here from the uploads stored before the job was queued. `onMade`
 *  hears each as soon as it is made (the generator may start sending it while the others are made). */
export async function makeReferences(
  deps: { storage: Storage; preparer: ImagePreparer },
  generationId: string,
  images: VisionImage[],
  onMade?: (reference: PreparedImage) => void,
): Promise<PreparedImage[]> {
  return Promise.all(
    images.map(async (image) => {
      const source = await deps.storage.get(inputKey(generationId, image.slot, 'source', uploadType(image.sourceFormat)));
      if (!source) throw new Error(`the upload of ${image.slot} is missing from storage`);
      const reference = await deps.preparer.reference(image.slot, source.bytes);
      const made = { ...image, reference };
      onMade?.(made);
      return made;
    }),
  );
}

/** The batch's seed, from its id: a retry of the same job asks for the same images. */
export const batchSeed = (id: string) => Number.parseInt(id.replace(/-/g, '').slice(0, 7), 16);

/** `notes`: the batch's descriptions, given to the review only when a vision model wrote them (they
 *  quote the printed text the review compares). */
export const reviewContext = (images: VisionImage[], aspectRatio: string, notes?: { describer: Describer; descriptions: Description[] }) => {
  const [w, h] = ratioOf(aspectRatio);
  const products = images.filter((i) => i.kind === 'product');
  return {
    products,
    face: images.find((i) => i.kind === 'face') ?? null,
    aspect: w / h,
    ...(notes?.describer.readsPrintedText ? { notes: notes.descriptions.filter((d) => products.some((p) => p.slot === d.slot)) } : {}),
  };
};
