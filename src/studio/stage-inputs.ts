// A validated batch's photos, inspected and stored for the worker that will run it, and the
// reservation that will pay for it: what startGeneration does before the reserve, and what a
// catalogue does for each of its items in turn (so only one item's photos are decoded at a time).
import { inputKey, uploadType } from './jobs/generation-inputs.js';
import { GENERATION } from './jobs/generation.js';
import type { Clock, GenerationInput, GenerationMode, GenerationReservation, ImagePreparer, Slot, Storage } from './ports.js';
import { priceOf, type Pricing } from './pricing.js';
import { requestHash, type GenerateCommand, type ValidRequest } from './request.js';

export interface StageDeps {
  preparer: ImagePreparer;
  storage: Storage;
  clock: Clock;
  pricing: Pricing;
  deadlineMs: number;
  readsReferences?: (mode: GenerationMode) => boolean;
}

/** Inspects every upload (a bad file is refused before any coin moves), stores what the worker
 *  reads under the generation's inputs prefix, and returns its reservation (not yet made). On a
 *  throw, the caller removes that prefix. */
export async function stageGeneration(deps: StageDeps, cmd: GenerateCommand, req: ValidRequest, generationId: string): Promise<GenerationReservation> {
  // The worker that runs the job may be another machine: it reads the inputs from Storage, and
  // everything it reads is stored before the job exists (an API that dies after answering loses
  // nothing). When the generator reads the larger reference copies, the uploads themselves are
  // stored (the worker makes those copies while its vision model reads the small ones): written
  // while the photos are decoded, once their headers passed (the caller removes them on a refusal).
  const keepUploads = deps.readsReferences?.(cmd.mode) ?? true;
  const sources = keepUploads ? storeUploads(deps, req.uploads, generationId) : Promise.resolve();
  sources.catch(() => {}); // awaited below, after the decodes
  // Inspected before the reserve: every header before any decode, and the first refusal stops the rest.
  const inspected = await settledTogether(deps.preparer.inspectAll(req.uploads), sources);
  const cost = priceOf(deps.pricing, cmd.mode);
  const deadlineAt = new Date(deps.clock.now().getTime() + deps.deadlineMs);

  // The small vision copies were made while inspecting.
  const images = inspected.map((i) => i.image);
  await Promise.all(images.map((i) => deps.storage.put(inputKey(generationId, i.slot, 'vision', i.vision.contentType), i.vision.bytes, i.vision.contentType)));
  const input: GenerationInput = {
    options: req.options,
    freeText: req.freeText,
    uploadedSlots: images.map((i) => i.slot),
    webhookUrl: req.webhookUrl,
    ...(req.exports.length ? { exports: req.exports } : {}),
    ...(cmd.mode === 'PACKSHOT' && cmd.shadow ? { shadow: true } : {}),
    images: images.map(({ vision: { bytes: _bytes, ...vision }, ...rest }) => ({ ...rest, vision })),
  };
  return {
    kind: GENERATION,
    id: generationId,
    userId: cmd.userId,
    cost,
    mode: cmd.mode,
    // PACKSHOT: one per product photo
    count: cmd.mode === 'PACKSHOT' ? cmd.productImages.length : cmd.count,
    idempotencyKey: req.idempotencyKey,
    requestHash: requestHash(cmd, req),
    deadlineAt,
    input,
  };
}

/** Every upload stored as it came, under the type its header says (checked first: a refused file is
 *  never written). */
async function storeUploads(deps: StageDeps, uploads: ReadonlyArray<{ slot: Slot; bytes: Uint8Array }>, generationId: string): Promise<void> {
  const checked = await Promise.all(uploads.map((u) => deps.preparer.check(u.slot, u.bytes)));
  await Promise.all(
    uploads.map((u, i) => {
      const type = uploadType(checked[i]!.sourceFormat);
      return deps.storage.put(inputKey(generationId, u.slot, 'source', type), u.bytes, type);
    }),
  );
}

/** `main`'s value once `side` is done too, so that nothing is still writing when the caller cleans
 *  up after a refusal; `main`'s refusal comes first (it names the file). */
async function settledTogether<T>(main: Promise<T>, side: Promise<void>): Promise<T> {
  const [value, stored] = await Promise.allSettled([main, side]);
  if (value.status === 'rejected') throw value.reason;
  if (stored.status === 'rejected') throw stored.reason;
  return value.value;
}
