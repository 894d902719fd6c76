// PromptWriter backed by Gemini: one short text-only call that turns the options, the descriptions and
// the seller's text (often Indonesian) into the final English prompt within the target model's
// window. No retries: the studio's own composer is the fallback, and a second try would only add
// latency to every generation. The studio checks the answer (budget, roles, quoted text) before use.
import type { Config } from '../../config.js';
import type { PromptRequest, PromptWriter } from '../../studio/ports.js';
import { endingOf, familyOf, geminiClient, isThoughtsOnly, reason } from '../describe/gemini-common.js';

export type GeminiPromptWriterConfig = Extract<Config['promptWriter'], { kind: 'gemini' }>;

/** The instructions, facts first and the draft last, so the model edits a correct answer. `withPhotos`:
 *  the same, inside the describer's one call (describe/gemini-vision.ts), where the answer is JSON and
 *  the draft was composed before the photos were seen. */
export function writerInstructions(r: PromptRequest, { withPhotos = false } = {}): string {
  const o = r.options;
  const limits = [
    `at most ${r.limits.chars} characters`,
    r.limits.words ? `at most ${r.limits.words} words` : null,
    // ~0.65 words a T5 token for plain English, with margin for the conservative check
    r.limits.t5Tokens ? `at most ${Math.floor(r.limits.t5Tokens * 0.6)} words (the model reads only ${r.limits.t5Tokens} T5 tokens)` : null,
  ].filter(Boolean);
  const options = [
    `content: ${o.contentType === 'MODEL' ? `a model (${o.modelType ?? 'any'}) with the product` : 'the product alone'}`,
    o.category && `category: ${o.category}`,
    o.interaction && o.interaction !== 'NONE' && `hands or feet: ${o.interaction}`,
    (o.customPose ?? o.pose?.label) && `pose: ${o.customPose ?? o.pose?.label}`,
    o.background && `background: ${o.background}${o.backgroundColor ? ` ${o.backgroundColor}` : ''}`,
    o.customBackground && `background detail: ${o.customBackground}`,
    o.style && `style: ${o.style.label}`,
    o.lighting && `lighting: ${o.lighting.label}`,
    o.cameraAngle && `camera: ${o.cameraAngle.label}`,
    `aspect ratio: ${o.aspectRatio}`,
  ].filter(Boolean);
  return [
    `Write the prompt for the image model ${r.targetModel}, for a professional e-commerce photo.`,
    `${withPhotos ? 'The prompt is' : 'Output only the prompt:'} one paragraph of plain English sentences, each ending with a full stop. No lists, no markdown, no quotation marks around it.`,
    `Length: ${limits.join(', ')}.`,
    "Order by importance and drop the least important details first: the subject and the product's essentials " +
      "(type, colours, material, logos and printed text quoted exactly), the model's face, the setting, the pose, " +
      "style, lighting, camera and frame, the seller's direction, and a short quality phrase last.",
    r.roles
      ? `The image model receives the photos in this order. Begin with this sentence exactly as written: "${r.roles}" Refer to the photos only by those names.`
      : 'The image model sees no photos: never mention photos, references, images or figures.',
    '',
    `Options: ${options.join('; ')}.`,
    ...r.descriptions.map((d) => `${d.slot}: ${d.text}`),
    r.freeText ? `The seller's own words (any language: translate their meaning into English, keep brand names): ${r.freeText}` : '',
    '',
    withPhotos
      ? `Draft (within the limits, written before the photos were seen: add what your notes say, the product first): ${r.draft}`
      : `Draft (correct and within the limits; improve it): ${r.draft}`,
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
}

export function createGeminiPromptWriter(config: GeminiPromptWriterConfig): PromptWriter {
  const ai = geminiClient(config);
  const { thinkingConfig, thoughtRoom } = familyOf(config.model);
  const ask = (request: PromptRequest, maxOutputTokens: number, signal: AbortSignal) =>
    ai.models.generateContent({
      model: config.model,
      contents: [{ role: 'user', parts: [{ text: writerInstructions(request) }] }],
      config: { temperature: 0.3, maxOutputTokens, ...(thinkingConfig ? { thinkingConfig } : {}), abortSignal: signal },
    });
  return {
    vendor: 'gemini',
    model: config.model,
    async write(request, signal) {
      try {
        // ≈ 4 characters a token, with room: a prompt cut here is refused below, not used.
        const limit = Math.ceil(request.limits.chars / 3) + thoughtRoom;
        let response = await ask(request, limit, signal);
        // Nothing but thoughts: once more with twice the limit (a cut prompt is not retried: it was too long).
        if (isThoughtsOnly(response)) response = await ask(request, 2 * limit, signal);
        const ending = endingOf(response);
        if (ending.kind !== 'stop') throw new Error(`no usable prompt (${ending.kind}${'why' in ending ? `: ${ending.why}` : ''})`);
        return ending.text;
      } catch (error) {
        if (signal.aborted) throw error;
        throw new Error(`Gemini (${config.model}) could not write the prompt: ${reason(error)}`, { cause: error });
      }
    },
  };
}

