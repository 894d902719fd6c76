// generateImages as plain TypeScript over the ports:
//   validate → prepare uploads → reserve coins → describe (concurrently) → compose → generate → settle.
// Coins are reserved before any paid vendor call, so a user without coins or a replayed idempotency
// key costs nothing upstream; every failure after the reserve is refunded by the ledger, exactly once.
import { describeAll } from './describe.js';
import { GenerationFailedError, InsufficientCoinsError, InvalidInputError, StudioError } from './errors.js';
import type {
  Clock,
  Describer,
  EventBus,
  GenerationEvent,
  Generator,
  GenerationMode,
  GenerationProgress,
  GenerationRecord,
  Ids,
  ImagePreparer,
  Ledger,
  Logger,
  Slot,
  Storage,
} from './ports.js';
import { priceOf, type Pricing } from './pricing.js';
import { composePrompt } from './prompt.js';
import { requestHash, validate, type GenerateCommand } from './request.js';
import { settle } from './settle.js';
import type { StyleOptions } from './style-catalog.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const finished = (generationId: string | null, status: GenerationRecord['status']): GenerationEvent => ({
  stage: 'FINISHED',
  status,
  generationId,
});

export interface StudioDeps {
  ledger: Ledger;
  storage: Storage;
  describer: Describer;
  generator: Generator;
  preparer: ImagePreparer;
  clock: Clock;
  ids: Ids;
  log: Logger;
  pricing: Pricing;
  deadlineMs: number;
  events?: EventBus;
}

export interface GenerateOutcome {
  generation: GenerationRecord;
  remainingCoins: number;
}

/** What a generation row keeps of its request, so that recovery can finish it. */
export interface StoredInput {
  options: StyleOptions;
  freeText: string | null;
  uploadedSlots: Slot[];
}

export function createStudio(deps: StudioDeps) {

  /** A replayed key waits for the original request, up to the original's own deadline; past it, the
   *  generation is left to recovery and returned as it stands (RUNNING). */
  async function waitForSettled(id: string): Promise<GenerationRecord> {
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      const g = await deps.ledger.generation(id);
      if (!g) throw new Error(`generation ${id} vanished`);
      if (g.finishedAt || deps.clock.now() >= g.deadlineAt) return g;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  async function outcomeOf(generation: GenerationRecord): Promise<GenerateOutcome> {
    if (generation.status === 'FAILED' || generation.status === 'CANCELED') {
      const refunded = generation.cost === 0 || (await deps.ledger.fail(generation.id, generation.error ?? 'failed')).refunded;
      throw new GenerationFailedError(generation.error ?? 'The generation failed.', refunded, generation.id);
    }
    return { generation, remainingCoins: await deps.ledger.balance(generation.userId) };
  }

  /** Every request ends with one FINISHED event, whatever the outcome, so a client that subscribed by
   *  its idempotency key before sending always hears the end. */
  async function generate(cmd: GenerateCommand): Promise<GenerateOutcome> {
    const to = { userId: cmd.userId, idempotencyKey: cmd.idempotencyKey ?? null };
    try {
      const outcome = await run(cmd);
      deps.events?.publish({ ...to, generationId: outcome.generation.id }, finished(outcome.generation.id, outcome.generation.status));
      return outcome;
    } catch (error) {
      const failed = error instanceof GenerationFailedError ? error : null;
      deps.events?.publish({ ...to, generationId: failed?.generationId ?? null }, finished(failed?.generationId ?? null, failed?.status ?? 'FAILED'));
      throw error;
    }
  }

  async function run(cmd: GenerateCommand): Promise<GenerateOutcome> {
    const req = validate(cmd);
    // Inspected before the reserve: a bad file is rejected before any coin moves.
    const inspected = await Promise.all(req.uploads.map((u) => deps.preparer.inspect(u.slot, u.bytes)));
    const images = inspected.map((i) => i.image);
    const cost = priceOf(deps.pricing, cmd.mode);
    const generationId = deps.ids.uuid();
    const deadlineAt = new Date(deps.clock.now().getTime() + deps.deadlineMs);
    const input: StoredInput = { options: req.options, freeText: req.freeText, uploadedSlots: images.map((i) => i.slot) };

    await deps.ledger.ensureProfile(cmd.userId);
    const reserved = await deps.ledger.reserve({
      generationId,
      userId: cmd.userId,
      cost,
      mode: cmd.mode,
      count: cmd.count,
      idempotencyKey: req.idempotencyKey,
      requestHash: requestHash(cmd, req),
      deadlineAt,
      input,
    });
    switch (reserved.kind) {
      case 'insufficient':
        throw new InsufficientCoinsError(reserved.required, reserved.balance);
      case 'idempotency-conflict':
        throw new InvalidInputError('idempotencyKey', 'This idempotencyKey was already used for a different request.');
      case 'replay':
        return outcomeOf(await waitForSettled(reserved.generationId));
    }

    const to = { generationId, userId: cmd.userId, idempotencyKey: req.idempotencyKey };
    const progress = (p: GenerationProgress) => deps.events?.publish(to, { ...p, generationId });
    // Stops at the deadline stored with the reservation (what recovery goes by), or when the seller
    // cancels: cancelGeneration announces it on this generation's topic, from whichever instance.
    const canceled = new AbortController();
    const watch = deps.events?.subscribe({ generationId });
    void (async () => {
      for await (const event of watch ?? []) if (event.stage === 'FINISHED' && event.status === 'CANCELED') return canceled.abort();
    })().catch(() => {});
    const timeout = AbortSignal.timeout(Math.max(0, deadlineAt.getTime() - deps.clock.now().getTime()));
    const abort = AbortSignal.any([timeout, canceled.signal]);
    // The generator's larger copies are encoded while the vision model reads the small ones.
    const references = Promise.all(inspected.map((i) => i.complete()));
    references.catch(() => {}); // awaited below; a failure is handled there
    try {
      progress({ stage: 'DESCRIBING', done: 0, total: images.length });
      const described = await describeAll(images, { describer: deps.describer, cache: deps.ledger, log: deps.log }, abort, (done) =>
        progress({ stage: 'DESCRIBING', done, total: images.length }),
      );
      deps.log.info('described', {
        generationId,
        images: images.length,
        described: described.descriptions.length,
        bytesUploaded: described.bytesUploaded,
        bytesSent: described.bytesSent,
      });
      const prompt = composePrompt({
        options: req.options,
        descriptions: described.descriptions,
        uploadedSlots: input.uploadedSlots,
        freeText: req.freeText,
        mode: cmd.mode,
      });
      await deps.ledger.recordPrompt(generationId, described.descriptions, prompt, described.warnings);

      const result = await deps.generator.generate({
        generationId,
        prompt,
        count: cmd.count,
        mode: cmd.mode,
        options: req.options,
        references: await references,
        signal: abort,
        onProgress: progress,
        onSubmitted: (providerRequestId) => deps.ledger.setProviderRequest(generationId, providerRequestId),
      });
      progress({ stage: 'SETTLING' });
      await settle(deps, generationId, req.options, described.descriptions, result);
    } catch (error) {
      const status = canceled.signal.aborted ? 'CANCELED' : 'FAILED';
      const reason = canceled.signal.aborted
        ? 'The generation was canceled; your coins were returned.'
        : timeout.aborted
          ? 'The generation took too long and was stopped.'
          : userSafeReason(error);
      deps.log.error('generation failed', { generationId, status, error: String(error), stack: (error as Error)?.stack });
      const refund = await deps.ledger.fail(generationId, reason, status).catch((refundError) => {
        // The recovery sweep refunds it once the deadline has passed.
        deps.log.error('refund failed; left to recovery', { generationId, error: String(refundError) });
        return { refunded: false };
      });
      throw new GenerationFailedError(reason, refund.refunded, generationId, status);
    } finally {
      await watch?.return(undefined);
    }
    // The batch is paid and delivered: a passing database hiccup must not turn it into an error.
    for (let attempt = 1; ; attempt++) {
      try {
        return await outcomeOf((await deps.ledger.generation(generationId))!);
      } catch (error) {
        if (attempt === 3 || error instanceof StudioError) throw error;
        deps.log.warn('reading the settled generation failed; retrying', { generationId, error: String(error) });
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  /** One of the user's generations; null for a malformed id, a missing one, or someone else's. */
  async function generationOf(userId: string, id: string): Promise<GenerationRecord | null> {
    if (!UUID.test(id)) return null;
    const generation = await deps.ledger.generation(id);
    return generation?.userId === userId ? generation : null;
  }

  /** Stops a running generation and refunds it at once; the instance running it aborts its job. */
  async function cancel(userId: string, id: string): Promise<GenerateOutcome> {
    const generation = await generationOf(userId, id);
    if (!generation) throw new InvalidInputError('id', 'No such generation.');
    if (!generation.finishedAt) await deps.ledger.fail(id, 'The generation was canceled; your coins were returned.', 'CANCELED');
    const after = (await deps.ledger.generation(id))!;
    if (after.status !== 'CANCELED') throw new InvalidInputError('id', `This generation already finished (${after.status}).`);
    deps.events?.publish({ generationId: id, userId, idempotencyKey: null }, finished(id, 'CANCELED'));
    return { generation: after, remainingCoins: await deps.ledger.balance(userId) };
  }

  return { generate, cancel, generationOf, quote: (mode: GenerationMode) => priceOf(deps.pricing, mode) };
}

export type Studio = ReturnType<typeof createStudio>;

function userSafeReason(error: unknown): string {
  return error instanceof Error && error.name === 'GenerationError'
    ? error.message
    : 'The image service failed to produce images.';
}
