// The re-make kind (remakeImage): one image of a paid batch that failed the review, made again, free.
//   the batch's stored photos → the same prompt, another seed → screen → review → if it is better,
//   it takes the old image's place → once no failed image is left, the batch's photos are removed.
// Starting one is studio/remakes.ts. The new image is judged like any other; a worse one is dropped.
import type { Describer, GenerationRecord, GenerationStore, Generator, ImagePreparer, ListingImages, Logger, RemakeRecord, RemakeStore, Storage, StoredImage } from '../ports.js';
import { exportKey, makeExport } from '../listing.js';
import { modelOf, readsReferences } from '../prompt/stage.js';
import { better, createBatchReview, type ReviewDeps } from '../review.js';
import { screenOutputs } from '../screen.js';
import { outputKey } from '../settle.js';
import { batchSeed, loadVision, makeReferences, reviewContext } from './generation-inputs.js';
import { inputsPrefix, type JobKind } from './kind.js';

export const REMAKE = 'remake';

export interface RemakeKindDeps {
  remakes: RemakeStore;
  generations: GenerationStore;
  storage: Storage;
  describer: Describer;
  generator: Generator;
  preparer: ImagePreparer;
  review: Omit<ReviewDeps, 'log'>;
  log: Logger;
  /** the replacement is made to the presets the old image had been exported to */
  listing: ListingImages;
}

/** A seed no automatic re-make of the batch used. */
const REMAKE_SEED_OFFSET = 100;

export function remakeKind(deps: RemakeKindDeps): JobKind<RemakeRecord> {
  const { remakes, generations, storage } = deps;

  async function batchOf(r: RemakeRecord): Promise<GenerationRecord> {
    const g = await generations.generation(r.generationId);
    if (!g?.enhancedPrompt || !g.images[r.imageIndex - 1]) throw new Error('the batch of this image is gone');
    return g;
  }

  return {
    name: REMAKE,
    noun: 'image re-make',
    begin: (id, deadlineAt) => remakes.beginRemake(id, deadlineAt),
    read: (id) => remakes.remake(id),
    fail: (id, reason, status) => remakes.failRemake(id, reason, status),
    reasonFor: (error) => (error instanceof Error && error.name === 'GenerationError' ? error.message : 'The image service failed to make the image again.'),
    webhookUrl: () => null,
    webhookPayload: async (r) => ({ type: 'image.remade', data: { id: r.id, status: r.status, generationId: r.generationId, imageIndex: r.imageIndex } }),

    async run({ record: r, signal, progress, stage }) {
      const g = await batchOf(r);
      const old = g.images[r.imageIndex - 1]!;
      const photos = await loadVision(storage, g.id, g.input);
      const references = readsReferences(deps.generator, g.mode) ? await makeReferences(deps, g.id, photos) : [];
      let started = new Date();
      const generated = await deps.generator.generate({
        generationId: r.id,
        prompt: g.enhancedPrompt!,
        count: 1,
        mode: g.mode,
        options: g.input.options,
        references,
        seed: batchSeed(g.id) + REMAKE_SEED_OFFSET,
        signal,
        onProgress: progress,
        onSubmitted: (providerRequestId) => remakes.setRemakeProviderRequest(r.id, providerRequestId),
      });
      stage('generate', { provider: deps.generator.name, model: modelOf(deps.generator, g.mode) }, started);

      started = new Date();
      const screened = deps.review.reviewer?.screensSafety ? generated : await screenOutputs(generated, deps.describer, deps.log, signal);
      const review = await createBatchReview({ ...deps.review, log: deps.log }, reviewContext(photos, g.input.options.aspectRatio, { describer: deps.describer, descriptions: g.descriptions }));
      const [candidate] = await review.reviewAll(screened.images, signal, (done) => progress({ stage: 'REVIEWING', done, total: 1 }));
      stage('review', deps.review.reviewer ? { provider: deps.review.reviewer.vendor, model: deps.review.reviewer.model } : { provider: 'measured' }, started);

      let replacement: StoredImage | null = null;
      const unsafe = candidate?.review.issues.some((i) => i.kind === 'UNSAFE');
      if (candidate?.image.bytes && !unsafe && better(candidate.review, old.review ?? candidate.review)) {
        // A key of its own: the old image's signed links stay valid until they expire.
        const key = outputKey(g.id, `${r.imageIndex}-remake`, candidate.image.contentType);
        await storage.put(key, candidate.image.bytes, candidate.image.contentType);
        const bytes = candidate.image.bytes;
        const exports = await Promise.all(
          (old.exports ?? []).map((e) => makeExport({ listing: deps.listing, storage }, bytes, e.preset, exportKey(g.id, r.imageIndex, e.preset, '-remake'))),
        );
        replacement = { ...old, key, width: candidate.image.width, height: candidate.image.height, contentType: candidate.image.contentType, review: candidate.review, exports };
      } else {
        deps.log.info('the re-made image was not better; the old one stays', { remakeId: r.id, verdict: candidate?.review.verdict });
      }
      await remakes.completeRemake(r.id, replacement);
      const after = await generations.generation(g.id);
      if (after && !after.images.some((i) => i.review?.verdict === 'FAIL')) await storage.removePrefix(inputsPrefix(g.id)).catch(() => {});
    },
  };
}
