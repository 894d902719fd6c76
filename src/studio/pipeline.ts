// generateImages as plain TypeScript over the ports:
//   validate → prepare uploads → reserve coins → describe (concurrently) → compose → generate → settle.
// Coins are reserved before any paid vendor call, so a user without coins or a replayed idempotency
// key costs nothing upstream; every failure after the reserve is refunded by the ledger, exactly once.
import { createHash } from 'node:crypto';
import { describeAll } from './describe.js';
import { GenerationFailedError, InsufficientCoinsError, InvalidInputError, StudioError } from './errors.js';
import { parseStyleOptions, type StyleOptionsInput } from './options.js';
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
} from './ports.js';
import { priceOf, type Pricing } from './pricing.js';
import { composePrompt } from './prompt.js';
import { settle } from './settle.js';
import type { StyleOptions } from './style-catalog.js';

export const MAX_PRODUCT_IMAGES = 4;
export const MAX_COUNT = 4;
export const COUNT_MESSAGE = `count must be between 1 and ${MAX_COUNT}.`;
export const PROMPT_LIMIT = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const finished = (generationId: string | null, status: GenerationRecord['status']): GenerationEvent => ({
  stage: 'FINISHED',
  status,
  generationId,
});

export interface StudioDeps {
  ledger: Ledger;
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

export interface GenerateCommand {
  userId: string;
  productImages: Uint8Array[];
  faceImage: Uint8Array | null;
  backgroundImage: Uint8Array | null;
  options: StyleOptionsInput | null;
  prompt: string | null;
  count: number;
  mode: GenerationMode;
  idempotencyKey: string | null;
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

interface ValidRequest {
  uploads: Array<{ slot: Slot; bytes: Uint8Array }>;
  options: StyleOptions;
  freeText: string | null;
  idempotencyKey: string | null;
}

export function validate(cmd: GenerateCommand): ValidRequest {
  if (!Number.isInteger(cmd.count) || cmd.count < 1 || cmd.count > MAX_COUNT) {
    throw new InvalidInputError('count', COUNT_MESSAGE);
  }
  if (cmd.productImages.length > MAX_PRODUCT_IMAGES) {
    throw new InvalidInputError('productImages', `Upload at most ${MAX_PRODUCT_IMAGES} product photos (got ${cmd.productImages.length}).`);
  }
  const freeText = cmd.prompt?.trim() || null;
  if (freeText && freeText.length > PROMPT_LIMIT) {
    throw new InvalidInputError('prompt', `prompt is limited to ${PROMPT_LIMIT} characters.`);
  }
  const key = cmd.idempotencyKey ?? null;
  if (key !== null && (key.trim() === '' || key.length > 200)) {
    throw new InvalidInputError('idempotencyKey', 'idempotencyKey must be 1–200 characters.');
  }
  const options = parseStyleOptions(cmd.options, cmd.backgroundImage !== null);
  if (cmd.faceImage && options.contentType === 'PRODUCT_ONLY') {
    throw new InvalidInputError('faceImage', 'A face reference needs contentType MODEL: product-only photos show no people.');
  }
  const uploads: ValidRequest['uploads'] = cmd.productImages.map((bytes, i) => ({ slot: `PRODUCT_${i + 1}` as Slot, bytes }));
  if (cmd.faceImage) uploads.push({ slot: 'FACE', bytes: cmd.faceImage });
  if (cmd.backgroundImage) uploads.push({ slot: 'BACKGROUND', bytes: cmd.backgroundImage });
  if (cmd.mode === 'REFERENCE' && uploads.length === 0) {
    throw new InvalidInputError('mode', 'REFERENCE mode needs at least one photo: upload product photos or use TEXT_TO_IMAGE.');
  }
  return { uploads, options, freeText, idempotencyKey: key };
}

/** Everything that defines the request: the same idempotency key with another hash is a conflict. */
function requestHash(cmd: GenerateCommand, req: ValidRequest): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ mode: cmd.mode, count: cmd.count, options: req.options, prompt: req.freeText }));
  for (const u of req.uploads) h.update(`|${u.slot}:`).update(createHash('sha256').update(u.bytes).digest('hex'));
  return h.digest('hex');
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
      const generationId = error instanceof GenerationFailedError ? error.generationId : null;
      deps.events?.publish({ ...to, generationId }, finished(generationId, 'FAILED'));
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
    // Counted from the deadline stored with the reservation, which is what recovery goes by.
    const abort = AbortSignal.timeout(Math.max(0, deadlineAt.getTime() - deps.clock.now().getTime()));
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
      await settle(deps.ledger, generationId, req.options, described.descriptions, result);
    } catch (error) {
      const reason = abort.aborted ? 'The generation took too long and was stopped.' : userSafeReason(error);
      deps.log.error('generation failed', { generationId, error: String(error), stack: (error as Error)?.stack });
      const refund = await deps.ledger.fail(generationId, reason).catch((refundError) => {
        // The recovery sweep refunds it once the deadline has passed.
        deps.log.error('refund failed; left to recovery', { generationId, error: String(refundError) });
        return { refunded: false };
      });
      throw new GenerationFailedError(reason, refund.refunded, generationId);
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

  return { generate, generationOf, quote: (mode: GenerationMode) => priceOf(deps.pricing, mode) };
}

export type Studio = ReturnType<typeof createStudio>;

function userSafeReason(error: unknown): string {
  return error instanceof Error && error.name === 'GenerationError'
    ? error.message
    : 'The image service failed to produce images.';
}
