// Starting a batch, as plain TypeScript over the ports:
//   validate → inspect uploads → store the prepared copies → reserve coins + enqueue the job (one transaction).
// Coins are reserved before any paid vendor call, so a user without coins or a replayed idempotency
// key costs nothing upstream; every failure after the reserve is refunded by the ledger, exactly once.
// The job itself (describe → compose → generate → store → settle) is jobs/generation.ts, on any worker.
import { GenerationFailedError, InvalidInputError, StudioError } from './errors.js';
import { inputsPrefix, type JobKind } from './jobs/kind.js';
import { finishedEvent, type JobMachinery } from './jobs/machinery.js';
import type {
  Clock,
  Coins,
  EventBus,
  GenerationEvent,
  GenerationMode,
  GenerationRecord,
  GenerationStore,
  Ids,
  ImagePreparer,
  JobQueue,
  Logger,
  Storage,
  Webhooks,
} from './ports.js';
import { priceOf, type Pricing } from './pricing.js';
import { validate, type GenerateCommand } from './request.js';
import { stageGeneration } from './stage-inputs.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** how often a waiting generateImages looks at the row, in case the FINISHED event went astray */
const WAIT_POLL_MS = 1000;
/** past the deadline, a RUNNING generation is the worker's (or its retry's) to settle: answer as it stands */
const WAIT_GRACE_MS = 10_000;

export interface StudioDeps {
  coins: Coins;
  generations: GenerationStore;
  storage: Storage;
  queue: JobQueue;
  /** the job machinery and the generation kind it runs (for cancel) */
  jobs: JobMachinery;
  kind: JobKind<GenerationRecord>;
  preparer: ImagePreparer;
  clock: Clock;
  ids: Ids;
  log: Logger;
  pricing: Pricing;
  deadlineMs: number;
  events: EventBus;
  /** null when WEBHOOK_SECRET is not set: a webhookUrl is then refused */
  webhooks: Webhooks | null;
  /** whether the generator reads reference copies in this mode (default: yes): the uploads are then
   *  stored for the worker to make them; workers are expected to run the API's generator configuration */
  readsReferences?: (mode: GenerationMode) => boolean;
}

export interface GenerateOutcome {
  generation: GenerationRecord;
  remainingCoins: number;
}

export function createStudio(deps: StudioDeps) {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function outcomeOf(generation: GenerationRecord): Promise<GenerateOutcome> {
    if (generation.status === 'FAILED' || generation.status === 'CANCELED') {
      const refunded = generation.cost === 0 || (await deps.generations.fail(generation.id, generation.error ?? 'failed')).refunded;
      throw new GenerationFailedError(generation.error ?? 'The generation failed.', refunded, generation.id, generation.status);
    }
    return { generation, remainingCoins: await deps.coins.balance(generation.userId) };
  }

  /** Validates, charges and enqueues; answers with the generation QUEUED (or, for a replayed key, as it stands).
   *  A request refused before a generation exists still ends with a FINISHED event for key subscribers. */
  async function start(cmd: GenerateCommand, generationId = deps.ids.uuid()): Promise<GenerateOutcome> {
    try {
      return await enqueue(cmd, generationId);
    } catch (error) {
      if (!(error instanceof GenerationFailedError)) {
        deps.events.publish({ userId: cmd.userId, idempotencyKey: cmd.idempotencyKey ?? null, generationId: null }, finishedEvent(null, 'FAILED'));
      }
      throw error;
    }
  }

  async function enqueue(cmd: GenerateCommand, generationId: string): Promise<GenerateOutcome> {
    const req = validate(cmd);
    if (req.webhookUrl) {
      const why = deps.webhooks ? await deps.webhooks.check(req.webhookUrl) : 'Webhooks are not enabled on this server (WEBHOOK_SECRET).';
      if (why) throw new InvalidInputError('webhookUrl', why);
    }
    // (A first reservation makes the seller's profile itself.)
    let enqueued: { id: string; balance: number | null };
    try {
      const reservation = await stageGeneration(deps, cmd, req, generationId);
      enqueued = await deps.jobs.enqueue(reservation, { userId: cmd.userId, idempotencyKey: req.idempotencyKey });
    } finally {
      if (!enqueued!) await deps.storage.removePrefix(inputsPrefix(generationId)).catch(() => {});
    }
    if (enqueued.id !== generationId) await deps.storage.removePrefix(inputsPrefix(generationId)).catch(() => {});
    const generation = (await deps.generations.generation(enqueued.id))!;
    return { generation, remainingCoins: enqueued.balance ?? (await deps.coins.balance(cmd.userId)) };
  }

  /** Until the generation is finished: the FINISHED event ends the wait at once, a look at the row every
   *  second covers an event lost between processes. Past its deadline it is answered as it stands. */
  async function waitForFinish(id: string, watch: AsyncGenerator<GenerationEvent>): Promise<GenerationRecord> {
    let heard!: () => void;
    const finished = new Promise<void>((resolve) => (heard = resolve));
    void (async () => {
      for await (const event of watch) if (event.stage === 'FINISHED') return heard();
    })().catch(() => {});
    for (;;) {
      const g = await deps.generations.generation(id);
      if (!g) throw new Error(`generation ${id} vanished`);
      if (g.finishedAt || deps.clock.now().getTime() >= g.deadlineAt.getTime() + WAIT_GRACE_MS) return g;
      await Promise.race([finished, sleep(WAIT_POLL_MS)]);
    }
  }

  /** generateImages: start, then wait for the end. */
  async function generate(cmd: GenerateCommand): Promise<GenerateOutcome> {
    const planned = deps.ids.uuid();
    // Listening before the job can start: its FINISHED is never missed.
    let watch = await deps.events.subscribe({ generationId: planned });
    try {
      const started = await start(cmd, planned);
      const id = started.generation.id;
      if (id !== planned) {
        await watch.return(undefined);
        watch = await deps.events.subscribe({ generationId: id });
      }
      const settled = await waitForFinish(id, watch);
      // The batch is paid and delivered: a passing database hiccup must not turn it into an error.
      for (let attempt = 1; ; attempt++) {
        try {
          return await outcomeOf(settled.finishedAt ? ((await deps.generations.generation(id)) ?? settled) : settled);
        } catch (error) {
          if (attempt === 3 || error instanceof StudioError) throw error;
          deps.log.warn('reading the settled generation failed; retrying', { generationId: id, error: String(error) });
          await sleep(200 * attempt);
        }
      }
    } finally {
      await watch.return(undefined);
    }
  }

  /** One of the user's generations; null for a malformed id, a missing one, or someone else's. */
  async function generationOf(userId: string, id: string): Promise<GenerationRecord | null> {
    if (!UUID.test(id)) return null;
    const generation = await deps.generations.generation(id);
    return generation?.userId === userId ? generation : null;
  }

  /** Where a generation stands, as the first event a late subscriber gets. */
  async function currentState(generation: GenerationRecord): Promise<GenerationEvent> {
    const generationId = generation.id;
    if (generation.finishedAt) return finishedEvent(generationId, generation.status);
    if (generation.status === 'QUEUED') {
      return { stage: 'QUEUED', position: await deps.queue.position(generationId), at: 'ETALASE', generationId };
    }
    const total = generation.input.uploadedSlots?.length ?? 0;
    return generation.enhancedPrompt === null ? { stage: 'DESCRIBING', done: 0, total, generationId } : { stage: 'GENERATING', generationId };
  }

  /** Stops a queued or running generation and refunds it at once (the job machinery's cancel). */
  async function cancel(userId: string, id: string): Promise<GenerateOutcome> {
    const generation = await generationOf(userId, id);
    if (!generation) throw new InvalidInputError('id', 'No such generation.');
    const after = await deps.jobs.cancel(deps.kind, generation);
    return { generation: after, remainingCoins: await deps.coins.balance(userId) };
  }

  return { start, generate, cancel, generationOf, currentState, quote: (mode: GenerationMode) => priceOf(deps.pricing, mode) };
}

export type Studio = ReturnType<typeof createStudio>;
