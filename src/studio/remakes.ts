// remakeImage: one free re-make of an image that failed the review, as a job (jobs/remake.ts). Whose
// image it is is checked here; that it failed, and that it is made again once (a second request
// answers with the first job), is SQL's rule (reserve_remake), told here as a typed error.
import { InvalidInputError } from './errors.js';
import { parseImageId } from './image-ids.js';
import type { JobMachinery } from './jobs/machinery.js';
import { REMAKE } from './jobs/remake.js';
import type { Clock, GenerationStore, Ids, RemakeRecord, RemakeReservation, RemakeStore } from './ports.js';

const NO_SUCH_IMAGE = 'No such image.';

export interface RemakesDeps {
  generations: GenerationStore;
  remakes: RemakeStore;
  jobs: JobMachinery;
  clock: Clock;
  ids: Ids;
  deadlineMs: number;
}

export function createRemakes(deps: RemakesDeps) {
  /** Queues the re-make (or answers with the one already asked for). */
  async function remakeImage(userId: string, imageId: string): Promise<RemakeRecord> {
    const parsed = parseImageId(imageId);
    const generation = parsed ? await deps.generations.generation(parsed.generationId) : null;
    const image = parsed && generation?.userId === userId ? generation.images[parsed.index - 1] : undefined;
    if (!parsed || !image) throw new InvalidInputError('imageId', NO_SUCH_IMAGE);
    if (generation!.status !== 'SUCCEEDED') throw new InvalidInputError('imageId', 'This batch was refunded: its images are not made again.');
    const reservation: RemakeReservation = {
      kind: REMAKE,
      id: deps.ids.uuid(),
      userId,
      cost: 0,
      idempotencyKey: null,
      requestHash: imageId,
      deadlineAt: new Date(deps.clock.now().getTime() + deps.deadlineMs),
      input: {},
      generationId: parsed.generationId,
      imageIndex: parsed.index,
    };
    // SQL answers an image asked for before with its job, and refuses one that did not fail.
    const { id } = await deps.jobs.enqueue(reservation, { userId, idempotencyKey: null }).catch((error: unknown) => {
      if ((error as { hint?: string })?.hint === 'not_failed') throw new InvalidInputError('imageId', 'Only an image that failed the review is made again.');
      throw error;
    });
    return (await deps.remakes.remake(id))!;
  }

  /** One of the user's re-makes; null for someone else's or an unknown id. */
  async function remakeOf(userId: string, id: string): Promise<RemakeRecord | null> {
    const remake = /^[0-9a-f-]{36}$/i.test(id) ? await deps.remakes.remake(id) : null;
    return remake?.userId === userId ? remake : null;
  }

  return { remakeImage, remakeOf };
}

export type Remakes = ReturnType<typeof createRemakes>;
