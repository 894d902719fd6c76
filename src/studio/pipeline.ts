// generateImages as plain TypeScript over the ports:
//   validate → prepare uploads → reserve coins → describe (concurrently) → compose → generate → settle.
// Coins are reserved before any paid vendor call, so a user without coins or a replayed idempotency
// key costs nothing upstream; every failure after the reserve is refunded by the ledger, exactly once.
import { createHash } from 'node:crypto';
import { describeAll } from './describe.js';
import { GenerationFailedError, InsufficientCoinsError, InvalidInputError } from './errors.js';
import { parseStyleOptions, type StyleOptionsInput } from './options.js';
import type {
  Clock,
  Describer,
  Generator,
  GenerationMode,
  GenerationProgress,
  GenerationRecord,
  Ids,
  ImagePreparer,
  Ledger,
  Logger,
  ProgressRef,
  Slot,
} from './ports.js';
import { priceOf, type Pricing } from './pricing.js';
import { composePrompt } from './prompt.js';
import { settle } from './settle.js';
import type { StyleOptions } from './style-catalog.js';

export const MAX_PRODUCT_IMAGES = 4;
export const MAX_COUNT = 4;
export const PROMPT_LIMIT = 1000;

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
  onProgress?: (ref: ProgressRef, progress: GenerationProgress) => void;
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
    throw new InvalidInputError('count', `count must be between 1 and ${MAX_COUNT}.`);
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

  async function waitForSettled(id: string, until: Date): Promise<GenerationRecord> {
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      const g = await deps.ledger.generation(id);
      if (!g) throw new Error(`generation ${id} vanished`);
      if (g.finishedAt || deps.clock.now() >= until) return g;
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

  async function generate(cmd: GenerateCommand): Promise<GenerateOutcome> {
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
        return outcomeOf(await waitForSettled(reserved.generationId, deadlineAt));
    }

    const ref: ProgressRef = { generationId, userId: cmd.userId, idempotencyKey: req.idempotencyKey };
    const progress = (_: string, p: GenerationProgress) => deps.onProgress?.(ref, p);
    const abort = AbortSignal.timeout(deps.deadlineMs);
    // The generator's larger copies are encoded while the vision model reads the small ones.
    const references = Promise.all(inspected.map((i) => i.complete()));
    references.catch(() => {}); // awaited below; a failure is handled there
    try {
      progress(generationId, { stage: 'DESCRIBING', done: 0, total: images.length });
      const described = await describeAll(images, { describer: deps.describer, cache: deps.ledger, log: deps.log }, abort, (done) =>
        progress(generationId, { stage: 'DESCRIBING', done, total: images.length }),
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
        onProgress: (p) => progress(generationId, p),
        onSubmitted: (providerRequestId) => deps.ledger.setProviderRequest(generationId, providerRequestId),
      });
      progress(generationId, { stage: 'SETTLING' });
      await settle(deps.ledger, generationId, req.options, described.descriptions, result);
    } catch (error) {
      const reason = abort.aborted ? 'The generation took too long and was stopped.' : userSafeReason(error);
      deps.log.error('generation failed', { generationId, error: String(error), stack: (error as Error)?.stack });
      const refund = await deps.ledger.fail(generationId, reason).catch((refundError) => {
        // The recovery sweep refunds it once the deadline has passed.
        deps.log.error('refund failed; left to recovery', { generationId, error: String(refundError) });
        return { refunded: false };
      });
      progress(generationId, { stage: 'FINISHED', status: 'FAILED' });
      throw new GenerationFailedError(reason, refund.refunded, generationId);
    }
    const generation = (await deps.ledger.generation(generationId))!;
    progress(generationId, { stage: 'FINISHED', status: generation.status });
    return outcomeOf(generation);
  }

  return { generate, quote: (mode: GenerationMode) => priceOf(deps.pricing, mode) };
}

export type Studio = ReturnType<typeof createStudio>;

function userSafeReason(error: unknown): string {
  return error instanceof Error && error.name === 'GenerationError'
    ? error.message
    : 'The image service failed to produce images.';
}
