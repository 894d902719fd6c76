// The generation kind: a batch of campaign photos from the seller's photos and options.
//   load the stored uploads → describe the photos and write the prompt (one vision call when the
//   describer can: vision-step.ts; while the reference copies are made and, once their photos are
//   taken, sent to the generator's storage: reference-staging.ts) → generate (while the review
//   reads the seller's photos) → review (or screen) → store the images → settle.
// Starting one (validate, inspect, store the inputs, reserve + enqueue) is studio/start.ts.
import type {
  Describer,
  DescriptionCache,
  GenerationRecord,
  GenerateResult,
  GenerationStore,
  Generator,
  ImagePreparer,
  Logger,
  PromptWriter,
  Storage,
} from '../ports.js';
import { unknownModelWarnings } from '../prompt/profiles.js';
import { modelOf, readsReferences } from '../prompt/stage.js';
import { createBatchReview, reviewAndRemake, type ReviewDeps } from '../review.js';
import { screenOutputs } from '../screen.js';
import { settle } from '../settle.js';
import { exportsOf } from '../listing.js';
import { visionStep } from '../vision-step.js';
import { batchSeed, loadVision, makeReferences, reviewContext } from './generation-inputs.js';
import { type JobKind } from './kind.js';
import { runPackshot, type PackshotDeps } from './packshot.js';
import { referenceStaging } from './reference-staging.js';

export const GENERATION = 'generation';

export interface GenerationKindDeps {
  generations: GenerationStore;
  cache: DescriptionCache;
  storage: Storage;
  describer: Describer;
  generator: Generator;
  /** makes the reference copies from the stored uploads */
  preparer: ImagePreparer;
  log: Logger;
  /** writes the final English prompt; without it (or when it fails) the studio's composer does */
  promptWriter?: PromptWriter;
  promptWriterTimeoutMs?: number;
  /** every output is reviewed against the seller's photos */
  review: Omit<ReviewDeps, 'log'>;
  /** how many times the outputs that failed the review are made again, free (REVIEW_REMAKES) */
  remakes: number;
  /** PACKSHOT (cutout on white) and the marketplace exports asked in the request */
  listing: Omit<PackshotDeps, 'storage'>;
}

/** What a re-make must leave for storing the batch before the deadline. */
const STORE_MARGIN_MS = 10_000;

export function generationKind(deps: GenerationKindDeps): JobKind<GenerationRecord> {
  for (const warning of unknownModelWarnings({ describer: deps.describer.model, text: deps.generator.models?.TEXT_TO_IMAGE, edit: deps.generator.models?.REFERENCE })) deps.log.warn(warning);
  const { generations, storage } = deps;

  return {
    name: GENERATION,
    noun: 'generation',
    begin: (id, deadlineAt) => generations.beginRun(id, deadlineAt),
    read: (id) => generations.generation(id),
    fail: (id, reason, status) => generations.fail(id, reason, status),
    reasonFor: (error) => (error instanceof Error && error.name === 'GenerationError' ? error.message : 'The image service failed to produce images.'),
    webhookUrl: (g) => g.input.webhookUrl ?? null,
    // A paid batch with a failed image keeps its photos for remakeImage (jobs/remake.ts removes them).
    keepsInputs: (g) => g.status === 'SUCCEEDED' && g.images.some((i) => i.review?.verdict === 'FAIL'),

    async run(context) {
      if (context.record.mode === 'PACKSHOT') return runPackshot({ ...deps.listing, storage, generations }, context);
      const { record: g, signal, progress, stage } = context;
      const { input, mode, count } = g;
      const images = await loadVision(storage, g.id, input);
      // The generator's larger copies are made while the vision model reads the small ones (when it
      // reads any: the uploads were not stored otherwise).
      // Each copy goes on to the generator's storage (fal's) once made, so the image job is only
      // submitted once the prompt is written.
      const staging = referenceStaging(deps.generator, mode, signal);
      const references = readsReferences(deps.generator, mode) ? makeReferences(deps, g.id, images, staging.onMade) : Promise.resolve([]);
      references.catch(() => {}); // awaited below; a failure is handled there
      progress({ stage: 'DESCRIBING', done: 0, total: images.length });
      // One vision call for the photos and the prompt when the describer can (vision-step.ts).
      const { described, staged, path } = await visionStep({
        images,
        references,
        describer: deps.describer,
        cache: deps.cache,
        options: input.options,
        freeText: input.freeText,
        mode,
        generator: deps.generator,
        writer: deps.promptWriter,
        writerTimeoutMs: deps.promptWriterTimeoutMs ?? 5000,
        log: deps.log,
        signal,
        onDescribed: (done) => progress({ stage: 'DESCRIBING', done, total: images.length }),
        stage,
      });
      deps.log.info('described', { generationId: g.id, images: images.length, described: described.descriptions.length, bytesUploaded: described.bytesUploaded, bytesSent: described.bytesSent, path });
      deps.log.info('prompt written', { generationId: g.id, by: staged.writtenBy, writerMs: staged.writerMs, chars: staged.prompt.length });
      await generations.recordPrompt(g.id, described.descriptions, staged.prompt, staged.warnings);

      // The review reads the seller's photos (the measured layer) while the images are made.
      const reviewReady = createBatchReview({ ...deps.review, log: deps.log }, reviewContext(images, input.options.aspectRatio, { describer: deps.describer, descriptions: described.descriptions }));
      reviewReady.catch(() => {}); // awaited after the generator; a failure is handled there
      // A cancel heard by another instance (events lost between processes) is on the row.
      if ((await generations.generation(g.id))?.status !== 'RUNNING') throw new Error('the generation is no longer running');
      signal.throwIfAborted();
      let started = new Date();
      const generated = await deps.generator.generate({
        generationId: g.id,
        prompt: staged.prompt,
        count,
        mode,
        options: input.options,
        // What the prompt stage kept: refused photos out, in the edit model's order, capped.
        references: staged.references,
        seed: batchSeed(g.id),
        staged: staging.staged,
        signal,
        onProgress: progress,
        onSubmitted: (providerRequestId) => generations.setProviderRequest(g.id, providerRequestId),
      });
      stage('generate', { provider: deps.generator.name, model: modelOf(deps.generator, mode) }, started);
      started = new Date();
      const screen = (result: GenerateResult) => (deps.review.reviewer?.screensSafety ? result : screenOutputs(result, deps.describer, deps.log, signal));
      const review = await reviewReady;
      // A re-make gets what is left of the deadline, less the time to store the batch.
      const remakeSignal = AbortSignal.any([signal, AbortSignal.timeout(Math.max(0, g.deadlineAt.getTime() - Date.now() - STORE_MARGIN_MS))]);
      const delivery = await reviewAndRemake(review, await screen(generated), {
        remakes: deps.remakes,
        remake: async (n, round) => {
          const again = await deps.generator.generate({
            generationId: g.id,
            prompt: staged.prompt,
            count: n,
            mode,
            options: input.options,
            references: staged.references,
            // Another seed: the same one would make the same images again.
            seed: batchSeed(g.id) + round,
            staged: staging.staged,
            signal: remakeSignal,
            onProgress: () => {},
            // The paid request a retry would resume stays the batch's first: a re-make is ours to pay.
            onSubmitted: async () => {},
          });
          return (await screen(again)).images;
        },
        signal,
        log: deps.log,
        onReviewed: (done, total) => progress({ stage: 'REVIEWING', done, total }),
        onRemade: (done, total) => progress({ stage: 'REMAKING', done, total }),
      });
      const reviewer = deps.review.reviewer;
      stage('review', reviewer ? { provider: reviewer.vendor, model: reviewer.model } : { provider: 'measured' }, started);
      started = new Date();
      await settle(
        { generations, storage },
        g.id,
        input.options,
        described.descriptions,
        delivery,
        (done, total) => progress({ stage: 'IMAGE_STORED', done, total }),
        exportsOf({ ...deps.listing, storage }, g.id, input.exports ?? []),
      );
      stage('store', { provider: 'storage' }, started);
    },

    async resume(g, signal) {
      if (!g.providerRequestId || !deps.generator.resume) return false;
      const result = await deps.generator.resume(g.providerRequestId, g.mode, signal, g.input.options.aspectRatio);
      // Reviewed like any other batch (no re-make: the prompt's references are not rebuilt here).
      const review = await createBatchReview({ ...deps.review, log: deps.log }, reviewContext(await loadVision(storage, g.id, g.input), g.input.options.aspectRatio, { describer: deps.describer, descriptions: g.descriptions }));
      const screened = deps.review.reviewer?.screensSafety ? result : await screenOutputs(result, deps.describer, deps.log, signal);
      const delivery = await reviewAndRemake(review, screened, { remakes: 0, remake: async () => [], signal, log: deps.log, onReviewed: () => {}, onRemade: () => {} });
      const exports = exportsOf({ ...deps.listing, storage }, g.id, g.input.exports ?? []);
      if (!(await settle({ generations, storage }, g.id, g.input.options, g.descriptions, delivery, undefined, exports))) return false;
      deps.log.info('recovered a generation from its provider job', { generationId: g.id });
      return true;
    },

    async webhookPayload(g) {
      return {
        type: 'generation.finished',
        data: {
          id: g.id,
          status: g.status,
          mode: g.mode,
          count: g.count,
          cost: g.cost,
          error: g.error,
          warnings: g.warnings,
          images: await Promise.all(
            g.images.map(async (i) => ({
              url: i.key ? await storage.signedUrl(i.key) : (i.url ?? ''),
              width: i.width,
              height: i.height,
              contentType: i.contentType,
              videoPrompts: i.videoPrompts,
            })),
          ),
          createdAt: g.createdAt.toISOString(),
          finishedAt: g.finishedAt?.toISOString() ?? null,
        },
      };
    },
  };
}
