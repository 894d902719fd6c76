// exportImage: one image made to a marketplace preset, as a job (jobs/export.ts). Whose image it is and
// which preset are checked here (typed InvalidInputError, no coin moved); SQL holds the rest (a live
// job per image and preset answers again, one debit, one refund). The answer waits for the job: it is
// a few hundred milliseconds of sharp.
import { InvalidInputError } from './errors.js';
import { parseImageId } from './image-ids.js';
import { EXPORT } from './jobs/export.js';
import type { JobMachinery } from './jobs/machinery.js';
import { isPreset } from './marketplace-presets.js';
import type { Clock, EventBus, ExportRecord, ExportReservation, ExportStore, GenerationStore, Ids } from './ports.js';

const NO_SUCH_IMAGE = 'No such image.';
const WAIT_POLL_MS = 500;

export interface ExportsDeps {
  generations: GenerationStore;
  exports: ExportStore;
  jobs: JobMachinery;
  events: EventBus;
  clock: Clock;
  ids: Ids;
  /** PRICE_EXPORT */
  price: number;
  deadlineMs: number;
}

export function createExports(deps: ExportsDeps) {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function exportImage(userId: string, imageId: string, preset: string): Promise<ExportRecord> {
    if (!isPreset(preset)) throw new InvalidInputError('preset', `No such marketplace preset: ${preset}.`);
    const parsed = parseImageId(imageId);
    const generation = parsed ? await deps.generations.generation(parsed.generationId) : null;
    const image = parsed && generation?.userId === userId ? generation.images[parsed.index - 1] : undefined;
    if (!parsed || !image) throw new InvalidInputError('imageId', NO_SUCH_IMAGE);
    if (generation!.status !== 'SUCCEEDED') throw new InvalidInputError('imageId', 'This batch was refunded: its images are not exported.');
    const id = deps.ids.uuid();
    const watch = await deps.events.subscribe({ generationId: id });
    try {
      const reservation: ExportReservation = {
        kind: EXPORT,
        id,
        userId,
        cost: deps.price,
        idempotencyKey: null,
        requestHash: `${imageId}:${preset}`,
        deadlineAt: new Date(deps.clock.now().getTime() + deps.deadlineMs),
        input: {},
        generationId: parsed.generationId,
        imageIndex: parsed.index,
        preset,
      };
      const enqueued = await deps.jobs.enqueue(reservation, { userId, idempotencyKey: null }).catch((error: unknown) => {
        if ((error as { hint?: string })?.hint === 'no_such_image') throw new InvalidInputError('imageId', NO_SUCH_IMAGE);
        throw error;
      });
      // Until it is settled (the FINISHED event, or a look at the row), or its deadline.
      let finished = false;
      void (async () => {
        for await (const event of watch) if (event.stage === 'FINISHED') return void (finished = true);
      })().catch(() => {});
      for (;;) {
        const row = await deps.exports.exportJob(enqueued.id);
        if (!row || row.finishedAt || finished || deps.clock.now() >= row.deadlineAt) return (await deps.exports.exportJob(enqueued.id)) ?? row!;
        await sleep(WAIT_POLL_MS);
      }
    } finally {
      await watch.return(undefined);
    }
  }

  /** One of the user's export jobs; null for someone else's or an unknown id. */
  async function exportOf(userId: string, id: string): Promise<ExportRecord | null> {
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await deps.exports.exportJob(id) : null;
    return row?.userId === userId ? row : null;
  }

  return { exportImage, exportOf };
}

export type Exports = ReturnType<typeof createExports>;
