// The job of one generation, on whichever worker takes it:
//   load the prepared uploads → describe (concurrently) → compose → generate → store the images → settle.
// A job whose worker died is retried by another: a fal job already paid for (its request id is stored
// on the row) is collected, never submitted again; one that never reached fal runs again if its
// deadline allows, else it is failed and refunded. Every outcome ends with one FINISHED event.
import { createHash } from 'node:crypto';
import { describeAll } from './describe.js';
import type {
  Clock,
  Describer,
  EncodedImage,
  EventBus,
  GenerationEvent,
  GenerationJob,
  GenerationProgress,
  GenerationRecord,
  Generator,
  JobAttempt,
  JobQueue,
  Ledger,
  Logger,
  PreparedImage,
  PromptWriter,
  Slot,
  Storage,
  VisionImage,
  Webhooks,
} from './ports.js';
import { unknownModelWarnings } from './prompt/profiles.js';
import { promptStage, readsReferences } from './prompt/stage.js';
import { resumePaidJob } from './recovery.js';
import { screenOutputs } from './screen.js';
import { settle } from './settle.js';
import type { StyleOptions } from './style-catalog.js';
import { queueWebhook } from './webhook.js';

/** What a generation row keeps of its request: everything a worker elsewhere needs to run it. */
export interface StoredInput {
  options: StyleOptions;
  freeText: string | null;
  uploadedSlots: Slot[];
  /** called once the generation has finished (checked when the request came in) */
  webhookUrl?: string | null;
  /** the inspected uploads without their bytes, which are in Storage (inputKey): the vision copy
   *  before the job is queued, the reference copy (JPEG, long edge ≤ 2048) soon after */
  images?: Array<Omit<VisionImage, 'vision'> & { vision: Omit<EncodedImage, 'bytes'> }>;
}

export const inputKey = (generationId: string, slot: Slot, variant: 'vision' | 'reference', contentType: string) =>
  `inputs/${generationId}/${slot}-${variant}.${contentType === 'image/webp' ? 'webp' : 'jpg'}`;

export const finishedEvent = (generationId: string | null, status: GenerationRecord['status']): GenerationEvent => ({
  stage: 'FINISHED',
  status,
  generationId,
});

const INTERRUPTED = 'The generation was interrupted and did not finish in time.';
const CANCELED = 'The generation was canceled; your coins were returned.';

export interface RunDeps {
  ledger: Ledger;
  storage: Storage;
  queue: JobQueue;
  describer: Describer;
  generator: Generator;
  clock: Clock;
  log: Logger;
  deadlineMs: number;
  events: EventBus;
  /** how long to wait for a provider's stored job before giving up and refunding */
  resumeTimeoutMs: number;
  /** null when WEBHOOK_SECRET is not set */
  webhooks: Webhooks | null;
  /** writes the final English prompt; without it (or when it fails) the studio's composer does */
  promptWriter?: PromptWriter;
  promptWriterTimeoutMs?: number;
}

/** Tells every waiting job where it stands now (after a job started or left the queue). */
export async function announcePositions(deps: { queue: JobQueue; events: EventBus }): Promise<void> {
  for (const job of await deps.queue.waiting(100)) {
    deps.events.publish(job, { stage: 'QUEUED', position: job.position, at: 'ETALASE', generationId: job.generationId });
  }
}

const REFERENCE_LONG_EDGE = 2048;
/** how long a worker waits for the reference copies the API encodes after queueing the job */
const REFERENCE_WAIT_MS = 30_000;

async function loadVision(storage: Storage, generationId: string, input: StoredInput): Promise<VisionImage[]> {
  return Promise.all(
    (input.images ?? []).map(async (meta) => {
      const object = await storage.get(inputKey(generationId, meta.slot, 'vision', meta.vision.contentType));
      if (!object) throw new Error(`the vision copy of ${meta.slot} is missing from storage`);
      return { ...meta, vision: { ...meta.vision, bytes: object.bytes } };
    }),
  );
}

/** The reference copies, as they arrive in storage (the API stores them just after queueing). */
async function loadReferences(storage: Storage, generationId: string, images: VisionImage[], signal: AbortSignal): Promise<PreparedImage[]> {
  const until = Date.now() + REFERENCE_WAIT_MS;
  return Promise.all(
    images.map(async (image) => {
      for (let delay = 25; ; delay = Math.min(delay * 2, 500)) {
        const object = await storage.get(inputKey(generationId, image.slot, 'reference', 'image/jpeg'));
        if (object) {
          // Same scaling as the preparer's (fit inside, never enlarged): the size follows from the source.
          const scale = Math.min(1, REFERENCE_LONG_EDGE / Math.max(image.sourceWidth, image.sourceHeight));
          const reference: EncodedImage = {
            bytes: object.bytes,
            contentType: 'image/jpeg',
            width: Math.round(image.sourceWidth * scale),
            height: Math.round(image.sourceHeight * scale),
            sha256: createHash('sha256').update(object.bytes).digest('hex'),
          };
          return { ...image, reference };
        }
        signal.throwIfAborted();
        if (Date.now() > until) throw new Error(`the reference copy of ${image.slot} never reached storage`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }),
  );
}

export function createJobRunner(deps: RunDeps) {
  for (const warning of unknownModelWarnings({ describer: deps.describer.model, text: deps.generator.models?.TEXT_TO_IMAGE, edit: deps.generator.models?.REFERENCE })) deps.log.warn(warning);
  const publish = (job: GenerationJob, event: GenerationEvent) => deps.events.publish(job, event);

  async function finish(job: GenerationJob): Promise<void> {
    const g = await deps.ledger.generation(job.generationId).catch(() => null);
    // Not settled (the refund itself failed): the queue retries the job, which will announce it.
    if (g?.finishedAt) {
      publish(job, finishedEvent(job.generationId, g.status));
      await deps.storage.removePrefix(`inputs/${job.generationId}/`).catch(() => {});
      await queueWebhook(deps, g);
    }
  }

  async function failAndRefund(generationId: string, reason: string, status: 'FAILED' | 'CANCELED' = 'FAILED') {
    await deps.ledger.fail(generationId, reason, status).catch((error) => {
      // The job is retried (or dead-lettered) and refunds it then.
      deps.log.error('refund failed', { generationId, error: String(error) });
      throw error;
    });
  }

  /** The pg-boss handler: returns when the generation is settled; throws only when it could not be
   *  (the database was unreachable), so that the queue retries it. */
  async function run(job: GenerationJob, attempt: JobAttempt): Promise<void> {
    const g = await deps.ledger.beginRun(job.generationId, new Date(deps.clock.now().getTime() + deps.deadlineMs));
    if (!g) return deps.log.warn('a job for an unknown generation', { generationId: job.generationId });
    // Canceled while queued, or settled by an attempt that died before telling the queue: only make
    // sure the end was announced (events, webhook: both idempotent for the receiver).
    if (g.finishedAt) return finish(job);
    void announcePositions(deps).catch((error) => deps.log.warn('announcing queue positions failed', { error: String(error) }));
    try {
      if (attempt.retryCount > 0 || attempt.final) {
        deps.log.info('resuming an interrupted generation', { generationId: g.id, retryCount: attempt.retryCount, final: attempt.final });
        if (g.providerRequestId && deps.generator.resume) {
          if (await resumePaidJob(deps, g)) return;
          await failAndRefund(g.id, INTERRUPTED);
          return;
        }
        if (attempt.final || deps.clock.now() >= g.deadlineAt) {
          await failAndRefund(g.id, INTERRUPTED);
          return;
        }
      }
      await runFresh(job, g);
    } finally {
      await finish(job);
    }
  }

  async function runFresh(job: GenerationJob, g: GenerationRecord): Promise<void> {
    const generationId = g.id;
    const input = g.input as StoredInput;
    const req = { options: input.options, freeText: input.freeText };
    const cmd = { mode: g.mode, count: g.count };
    const progress = (p: GenerationProgress) => publish(job, { ...p, generationId });
    // Stops at the deadline stored with the run (what a retry goes by), or when the seller cancels:
    // cancelGeneration announces it on this generation's topic, from whichever instance.
    const canceled = new AbortController();
    const watch = await deps.events.subscribe({ generationId });
    void (async () => {
      for await (const event of watch) if (event.stage === 'FINISHED' && event.status === 'CANCELED') return canceled.abort();
    })().catch(() => {});
    const timeout = AbortSignal.timeout(Math.max(0, g.deadlineAt.getTime() - deps.clock.now().getTime()));
    const abort = AbortSignal.any([timeout, canceled.signal]);
    try {
      const images = await loadVision(deps.storage, generationId, input);
      // The generator's larger copies are fetched while the vision model reads the small ones (when
      // it reads any: the API did not make them otherwise).
      const references = readsReferences(deps.generator, cmd.mode)
        ? loadReferences(deps.storage, generationId, images, abort)
        : Promise.resolve([]);
      references.catch(() => {}); // awaited below; a failure is handled there
      progress({ stage: 'DESCRIBING', done: 0, total: images.length });
      const described = await describeAll(images, { describer: deps.describer, cache: deps.ledger, log: deps.log, mode: cmd.mode }, abort, (done) =>
        progress({ stage: 'DESCRIBING', done, total: images.length }),
      );
      deps.log.info('described', {
        generationId,
        images: images.length,
        described: described.descriptions.length,
        bytesUploaded: described.bytesUploaded,
        bytesSent: described.bytesSent,
      });
      const staged = await promptStage({
        ...req,
        mode: cmd.mode,
        described,
        // Loaded while the vision model read the small copies.
        references: await references,
        generator: deps.generator,
        writer: deps.promptWriter,
        writerTimeoutMs: deps.promptWriterTimeoutMs ?? 5000,
        log: deps.log,
        signal: abort,
      });
      deps.log.info('prompt written', { generationId, by: staged.writtenBy, writerMs: staged.writerMs, chars: staged.prompt.length });
      await deps.ledger.recordPrompt(generationId, described.descriptions, staged.prompt, staged.warnings);

      // A cancel heard by another instance (events lost between processes) is on the row.
      if ((await deps.ledger.generation(generationId))?.status !== 'RUNNING') canceled.abort();
      abort.throwIfAborted();
      const generated = await deps.generator.generate({
        generationId,
        prompt: staged.prompt,
        count: cmd.count,
        mode: cmd.mode,
        options: req.options,
        // What the prompt stage kept: refused photos out, in the edit model's order, capped.
        references: staged.references,
        signal: abort,
        onProgress: progress,
        onSubmitted: (providerRequestId) => deps.ledger.setProviderRequest(generationId, providerRequestId),
      });
      const result = await screenOutputs(generated, deps.describer, deps.log, abort);
      await settle(deps, generationId, req.options, described.descriptions, result, (done, total) =>
        progress({ stage: 'IMAGE_STORED', done, total }),
      );
    } catch (error) {
      const status = canceled.signal.aborted ? 'CANCELED' : 'FAILED';
      const reason = canceled.signal.aborted
        ? CANCELED
        : timeout.aborted
          ? 'The generation took too long and was stopped.'
          : userSafeReason(error);
      deps.log.error('generation failed', { generationId, status, error: String(error), stack: (error as Error)?.stack });
      await failAndRefund(generationId, reason, status);
    } finally {
      await watch.return(undefined);
    }
  }

  return { run };
}

function userSafeReason(error: unknown): string {
  return error instanceof Error && error.name === 'GenerationError'
    ? error.message
    : 'The image service failed to produce images.';
}
