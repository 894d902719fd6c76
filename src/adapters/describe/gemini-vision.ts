// What the Gemini describer asks when it describes the photos and writes the prompt in one call
// (Describer.describeAndWrite): the photos, each at the media resolution its purpose needs, the
// notes asked for per photo, the PromptWriter's own instructions (adapters/prompt/gemini.ts), and a
// response schema so the answer is the notes and the prompt, parsed, never free text to pick apart.
import { MediaResolution, PartMediaResolutionLevel, Type, type Part, type Schema } from '@google/genai';
import { z } from 'zod';
import type { PromptRequest, SlotKind, VisionImage, VisionStep } from '../../studio/ports.js';
import { writerInstructions } from '../prompt/gemini.js';

export type Resolution = 'low' | 'medium' | 'high';

/**
 * Tokens a photo may take, by what it is for. Gemini 3 bills an image by this level whatever its
 * pixels (280 / 560 / 1120 tokens; HIGH when unset), Gemini 2.x by 768 px tiles unless it is set (64
 * / 256 / 256). A product's logos and printed text need detail; a face's likeness, a background's
 * setting and a verdict on an output need less (bench/README.md: what each costs). GEMINI_MEDIA_RESOLUTION
 * sets the products' level.
 */
export const resolutionFor = (kind: SlotKind, products: Resolution | undefined): Resolution => (kind === 'product' ? (products ?? 'medium') : 'low');

export const MEDIA_RESOLUTION: Record<Resolution, MediaResolution> = {
  low: MediaResolution.MEDIA_RESOLUTION_LOW,
  medium: MediaResolution.MEDIA_RESOLUTION_MEDIUM,
  high: MediaResolution.MEDIA_RESOLUTION_HIGH,
};
const PART_LEVEL: Record<Resolution, PartMediaResolutionLevel> = {
  low: PartMediaResolutionLevel.MEDIA_RESOLUTION_LOW,
  medium: PartMediaResolutionLevel.MEDIA_RESOLUTION_MEDIUM,
  high: PartMediaResolutionLevel.MEDIA_RESOLUTION_HIGH,
};
const RANK: Resolution[] = ['low', 'medium', 'high'];

/** The first line of the one-call instructions (the Gemini fake answers it with notes and the draft). */
export const VISION_MARK = 'Two tasks for the photos above';
const NOTES =
  'Task 1, notes: for each photo, 1-3 short factual sentences in English, at most 50 words, no lists. A product: what an ' +
  'image generator needs to reproduce it faithfully (type, exact colours, material, shape and design details, logos and ' +
  'printed text quoted exactly). A face: the likeness (face shape, skin tone, hair, distinctive features, expression). A ' +
  'background: the setting (environment, colours, lighting, objects, mood). Describe the subject, not the photo.';

/** The request's parts: photos first, then the two tasks. `perPart`: each photo at its own level
 *  (Gemini 3); otherwise one level for the call, the highest any photo needs. */
export function visionRequest(photos: VisionImage[], request: PromptRequest, products: Resolution | undefined, perPart: boolean) {
  const levels = photos.map((p) => resolutionFor(p.kind, products));
  const parts: Part[] = photos.map((p, i) => ({
    inlineData: { mimeType: p.vision.contentType, data: Buffer.from(p.vision.bytes).toString('base64') },
    ...(perPart ? { mediaResolution: { level: PART_LEVEL[levels[i]!] } } : {}),
  }));
  const order = photos.map((p, i) => `photo ${i + 1} is ${p.slot} (${p.kind})`).join(', ');
  parts.push({ text: [`${VISION_MARK}: ${order}.`, NOTES, 'Task 2, prompt (use your notes as the descriptions of those photos):', writerInstructions(request, { withPhotos: true })].join('\n') });
  const highest = RANK[Math.max(...levels.map((l) => RANK.indexOf(l)))]!;
  return { parts, mediaResolution: perPart ? undefined : MEDIA_RESOLUTION[highest], schema: schemaFor(photos) };
}

function schemaFor(photos: VisionImage[]): Schema {
  return {
    type: Type.OBJECT,
    properties: {
      notes: {
        type: Type.ARRAY,
        items: {
          type: Type.OBJECT,
          properties: { slot: { type: Type.STRING, enum: photos.map((p) => p.slot) }, text: { type: Type.STRING } },
          required: ['slot', 'text'],
          propertyOrdering: ['slot', 'text'],
        },
      },
      prompt: { type: Type.STRING },
    },
    required: ['notes', 'prompt'],
    // The notes first: the prompt is written with them in view.
    propertyOrdering: ['notes', 'prompt'],
  };
}

/** Output limit: ≈ 100 tokens a note, the prompt's own (≈ 4 characters a token, with room), the JSON. */
export const visionOutputLimit = (photos: number, request: PromptRequest) => photos * 100 + Math.ceil(request.limits.chars / 3) + 50;

const Answer = z.object({
  notes: z.array(z.object({ slot: z.string(), text: z.string().max(2000) })).max(12),
  prompt: z.string().max(20_000),
});

export function parseVisionStep(text: string): VisionStep {
  const answer = Answer.parse(JSON.parse(text));
  return { notes: answer.notes.map((n) => ({ slot: n.slot as VisionStep['notes'][number]['slot'], text: n.text.trim() })), prompt: answer.prompt.trim() };
}
