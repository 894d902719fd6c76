// The batch's vision step: the photos described and the final prompt written. With a describer that
// can do both at once (Describer.describeAndWrite) and a prompt writer configured, the photos not
// described before go to the vision model in ONE call whose structured answer carries a description
// per photo and the prompt: one Gemini call on the critical path instead of describe → write, and
// the photos' tokens paid once. The descriptions go to the shared cache as the per-photo describe's
// would; when every photo is cached, the writer's text-only call is all that is left. Any failure of
// the one call (refusal, cut answer, missing description) falls back to describing photo by photo,
// which says which photo was refused; a prompt that breaks a rule falls back to the composer's.
import { cacheKey, describeAll, type DescribeOutcome } from './describe.js';
import { GenerationError, type Describer, type DescriptionCache, type Logger, type PreparedImage, type VisionImage, type VisionStep } from './ports.js';
import { planPrompt, promptStage, ruleBroken, type PromptStageInput, type PromptStageOutcome } from './prompt/stage.js';

export interface VisionStepInput extends Omit<PromptStageInput, 'described' | 'references'> {
  images: VisionImage[];
  /** the reference copies, made while the vision model reads */
  references: Promise<PreparedImage[]>;
  describer: Describer;
  cache: DescriptionCache;
  log: Logger;
  onDescribed: (done: number) => void;
  /** the job's stage timer (jobs/kind.ts) */
  stage: (name: 'describe' | 'prompt', labels: { provider: string; model?: string }, started: Date) => void;
}

export interface VisionStepOutcome {
  described: DescribeOutcome;
  staged: PromptStageOutcome;
  /** 'one call': the photos and the prompt in one vision call */
  path: 'one call' | 'describe, then write';
}

export async function visionStep(input: VisionStepInput): Promise<VisionStepOutcome> {
  const { images, describer, cache, log, signal, writer } = input;
  const bytesUploaded = images.reduce((sum, image) => sum + image.sourceBytes, 0);

  async function split(): Promise<VisionStepOutcome> {
    let started = new Date();
    const described = await describeAll(images, { describer, cache, log, mode: input.mode }, signal, input.onDescribed);
    input.stage('describe', { provider: describer.vendor, model: describer.model }, started);
    started = new Date();
    const staged = await promptStage({ ...input, described, references: await input.references });
    input.stage('prompt', staged.writtenBy === 'writer' && writer ? { provider: writer.vendor, model: writer.model } : { provider: 'composer' }, started);
    return { described, staged, path: 'describe, then write' };
  }

  if (!describer.describeAndWrite || !writer || images.length === 0) return split();
  const known = new Map<string, string>();
  await Promise.all(
    images.map(async (image) => {
      const text = await cache.get(cacheKey(image, describer.model)).catch((error) => {
        log.warn('description cache read failed', { error: String(error) });
        return null;
      });
      if (text) known.set(image.slot, text);
    }),
  );
  const fresh = images.filter((image) => !known.has(image.slot));
  // Every photo described before: the writer's one text-only call (describeAll reads the cache).
  if (fresh.length === 0) return split();

  const started = new Date();
  const before: DescribeOutcome = {
    descriptions: images.filter((i) => known.has(i.slot)).map((i) => ({ slot: i.slot, text: known.get(i.slot)! })),
    warnings: [],
    refused: [],
    allRejected: false,
    bytesUploaded,
    bytesSent: fresh.reduce((sum, image) => sum + image.vision.bytes.byteLength, 0),
  };
  let step: VisionStep;
  try {
    // Planned on the vision copies: the reference copies are still being made.
    step = await describer.describeAndWrite(fresh, planPrompt({ ...input, described: before }, images).request, signal);
    const missing = fresh.find((image) => !step.notes.find((n) => n.slot === image.slot)?.text.trim());
    if (missing) throw new Error(`the answer has no description of ${missing.slot}`);
  } catch (error) {
    signal.throwIfAborted();
    if (error instanceof GenerationError) throw error;
    log.warn('the one-call vision step failed; describing photo by photo', { model: describer.model, error: String(error) });
    return split();
  }
  const notes = new Map(step.notes.map((n) => [n.slot, n.text.trim()]));
  // Written while the reference copies are finished: both are waited for before the prompt is checked.
  const cached = Promise.all(
    fresh.map((image) => cache.put(cacheKey(image, describer.model), notes.get(image.slot)!).catch((error) => log.warn('description cache write failed', { error: String(error) }))),
  );
  const described: DescribeOutcome = { ...before, descriptions: images.map((i) => ({ slot: i.slot, text: known.get(i.slot) ?? notes.get(i.slot)! })) };
  input.onDescribed(images.length);
  input.stage('describe', { provider: describer.vendor, model: describer.model }, started);

  // Checked like a writer's prompt, against every description and the photos actually sent.
  const [references] = await Promise.all([input.references, cached]);
  const plan = planPrompt({ ...input, described }, references);
  const prompt = step.prompt.trim();
  const problem = ruleBroken(prompt, plan.request, plan.profile);
  if (problem) log.warn("the vision call's prompt broke a rule; using the composed prompt", { model: describer.model, problem });
  const staged: PromptStageOutcome = {
    prompt: problem ? plan.draft : prompt,
    references: plan.references,
    warnings: plan.warnings,
    writtenBy: problem ? 'composer' : 'describer',
    writerMs: null,
  };
  return { described, staged, path: 'one call' };
}
