// Between describing and generating: decide which photos the image model receives, compose the
// prompt for that model's window, and let the PromptWriter (when configured) write the final English
// prompt, falling back to the composed one on any failure, timeout or answer that breaks a rule.
import type { DescribeOutcome } from '../describe.js';
import { GenerationError, type Generator, type GenerationMode, type Logger, type PreparedImage, type PromptRequest, type PromptWriter, type Slot } from '../ports.js';
import type { StyleOptions } from '../style-catalog.js';
import { fits } from './budget.js';
import { composePrompt, type PromptFacts } from './compose.js';
import { profileFor, type ModelProfile } from './profiles.js';
import { planReferences, rolesSentence } from './roles.js';
import { quotedTexts } from './text.js';

export interface PromptStageInput {
  mode: GenerationMode;
  options: StyleOptions;
  freeText: string | null;
  described: DescribeOutcome;
  references: PreparedImage[];
  generator: Generator;
  writer?: PromptWriter;
  writerTimeoutMs: number;
  log: Logger;
  signal: AbortSignal;
}

export interface PromptStageOutcome {
  prompt: string;
  /** what the generator is given: refused photos removed; in REFERENCE ordered and capped */
  references: PreparedImage[];
  warnings: string[];
  /** who wrote the prompt (the describer: in the same call as the descriptions, vision-step.ts), and
   *  how long the writer took (null when there is none) */
  writtenBy: 'writer' | 'describer' | 'composer';
  writerMs: number | null;
}

export const modelOf = (generator: Generator, mode: GenerationMode) => (mode === 'PACKSHOT' ? 'none' : (generator.models?.[mode] ?? generator.name));

/** Whether the generator reads the reference copies in this mode. flux/schnell (TEXT_TO_IMAGE on fal)
 *  reads none: they are then neither encoded after the start nor waited for by the worker. */
export const readsReferences = (generator: Generator, mode: GenerationMode) =>
  // PACKSHOT cuts out the upload itself
  mode === 'PACKSHOT' || mode === 'REFERENCE' || profileFor(modelOf(generator, mode), mode).maxReferences > 0;

/** What the prompt is written from: the photos the image model receives and how the prompt names
 *  them, the composer's draft and the request a writer gets. `images` are the photos in play (the
 *  reference copies, or their vision copies when the plan is needed before those are made). */
export function planPrompt<T extends { slot: Slot }>(input: Pick<PromptStageInput, 'mode' | 'options' | 'freeText' | 'described' | 'generator'>, images: T[]) {
  const { mode, described } = input;
  // The photos would be ignored: charging for images that follow none of them is worse than failing.
  if (mode === 'TEXT_TO_IMAGE' && described.allRejected) {
    throw new GenerationError('Your photos could not be analysed right now, so the images would ignore them. Nothing was generated; please try again later.');
  }
  const profile = profileFor(modelOf(input.generator, mode), mode);
  const warnings = [...described.warnings];
  const usable = images.filter((r) => !described.refused.includes(r.slot));
  let references = usable;
  if (mode === 'REFERENCE') {
    const plan = planReferences(usable, [], input.generator.maxReferences ?? profile.maxReferences);
    if (plan.sent.length === 0) {
      throw new GenerationError('Every photo was refused by the safety filter, so there is nothing to compose from. Nothing was generated.');
    }
    if (plan.dropped.length) {
      warnings.push(`The image model reads at most ${plan.sent.length} photos; not sent: ${plan.dropped.join(', ')}.`);
    }
    references = plan.sent;
  }
  const facts: PromptFacts = {
    options: input.options,
    descriptions: described.descriptions,
    sent: mode === 'REFERENCE' ? references.map((r) => r.slot) : [],
    freeText: input.freeText,
    mode,
  };
  const draft = composePrompt(facts, profile);
  const request: PromptRequest = {
    mode,
    options: input.options,
    descriptions: described.descriptions,
    freeText: input.freeText,
    roles: mode === 'REFERENCE' ? rolesSentence(facts.sent, profile.referenceLabel) : null,
    draft,
    targetModel: profile.id,
    limits: profile.budget,
  };
  return { profile, references, warnings, draft, request };
}

export async function promptStage(input: PromptStageInput): Promise<PromptStageOutcome> {
  const { profile, references, warnings, draft, request } = planPrompt(input, input.references);
  if (!input.writer) return { prompt: draft, references, warnings, writtenBy: 'composer', writerMs: null };

  const started = Date.now();
  try {
    const written = (await input.writer.write(request, AbortSignal.any([input.signal, AbortSignal.timeout(input.writerTimeoutMs)]))).trim();
    const problem = ruleBroken(written, request, profile);
    if (problem) throw new Error(`unusable answer: ${problem}`);
    return { prompt: written, references, warnings, writtenBy: 'writer', writerMs: Date.now() - started };
  } catch (error) {
    input.signal.throwIfAborted();
    input.log.warn('prompt writer failed; using the composed prompt', { model: input.writer.model, error: String(error) });
    return { prompt: draft, references, warnings, writtenBy: 'composer', writerMs: Date.now() - started };
  }
}

/** The first rule the writer's answer breaks, or null. The composer's own prompt keeps all of them. */
export function ruleBroken(text: string, request: PromptRequest, profile: ModelProfile): string | null {
  if (!text) return 'empty';
  if (!fits(text, profile.budget)) return 'over the model budget';
  if (!/[.!?]["')\]]?$/.test(text)) return 'does not end with a whole sentence';
  if (request.mode === 'TEXT_TO_IMAGE' && /\breferences?\b|\b(image|figure)s? \d/i.test(text)) return 'mentions references the model never sees';
  if (request.roles && !text.includes(request.roles)) return 'does not name the inputs by position';
  const products = request.descriptions.filter((d) => d.slot.startsWith('PRODUCT')).map((d) => d.text);
  const lost = quotedTexts(products).find((q) => !text.includes(q));
  if (lost) return `drops the product text "${lost}"`;
  return null;
}
