// The review's model layer on Gemini: one call per output with a response schema (structured output,
// not free text), given the seller's product photos (and face), then the output. Gemini reads the
// printed text on both; the comparison of those texts is ours, as strings: a word on the output that
// is close to one on the product but not the same is TEXT_CHANGED, text that matches nothing on the
// product is UNWANTED_TEXT. Safety is part of the answer, so this replaces the describer's screen.
import { MediaResolution, Type, type Part, type Schema } from '@google/genai';
import { z } from 'zod';
import type { Config } from '../../config.js';
import type { Reviewer, ReviewIssue } from '../../studio/ports.js';
import { endingOf, familyOf, geminiClient, isThoughtsOnly, jpegPart, reason } from '../describe/gemini-common.js';

export type GeminiReviewerConfig = Extract<Config['review']['reviewer'], { kind: 'gemini' }>;

/** An output is read at this size: text on a product needs some detail, a verdict no more. */
const OUTPUT_LONG_EDGE = 1024;

/** The output's level: a verdict and the words on it, not fine detail (Gemini 3: 560 tokens where unset
 *  is 1120; bench/README.md: what each level costs). */
const OUTPUT_RESOLUTION = MediaResolution.MEDIA_RESOLUTION_MEDIUM;

/** When the products' descriptions quote their printed text (a vision model wrote them in this batch's
 *  vision step), the output is compared with those: one image a call instead of every photo again. */
export const REVIEW_FROM_NOTES =
  'Review a generated e-commerce photo (the image) against the seller\'s product as described from their own photos ' +
  '(below). Judge only the product: is it present; are its logos and printed text the same as described; are its ' +
  'colours the same; are its shape and parts the same; is there text or a watermark in the photo that is not on the ' +
  'product; is the photo unsafe (nudity, sexual content, gore). textOnProduct: the printed text the descriptions quote, ' +
  'copied exactly. textOnOutput: the printed text you read in the image, copied exactly, one entry per word or line.';

export const REVIEW_INSTRUCTION =
  'Review a generated e-commerce photo against the seller\'s own product photos. The first images are the seller\'s ' +
  'product photos (and, if present, the model\'s face reference), the LAST image is the generated photo. Judge only the ' +
  'product: is it present; are its logos and printed text the same; are its colours the same; are its shape and parts ' +
  'the same; is there text or a watermark in the generated photo that is not on the product; is the generated photo ' +
  'unsafe (nudity, sexual content, gore). Copy every piece of printed text exactly as written, one entry per word or line.';

const RESPONSE_SCHEMA: Schema = {
  type: Type.OBJECT,
  properties: {
    productPresent: { type: Type.BOOLEAN },
    textOnProduct: { type: Type.ARRAY, items: { type: Type.STRING }, description: "printed text read from the seller's product photos" },
    textOnOutput: { type: Type.ARRAY, items: { type: Type.STRING }, description: 'printed text read from the generated photo' },
    logoChanged: { type: Type.BOOLEAN },
    colourChanged: { type: Type.BOOLEAN },
    shapeChanged: { type: Type.BOOLEAN },
    watermark: { type: Type.BOOLEAN },
    unsafe: { type: Type.BOOLEAN },
    score: { type: Type.INTEGER, description: 'faithfulness of the product, 0-100' },
    notes: { type: Type.STRING },
  },
  required: ['productPresent', 'textOnProduct', 'textOnOutput', 'logoChanged', 'colourChanged', 'shapeChanged', 'watermark', 'unsafe', 'score'],
};

const Answer = z.object({
  productPresent: z.boolean(),
  textOnProduct: z.array(z.string()).max(100),
  textOnOutput: z.array(z.string()).max(100),
  logoChanged: z.boolean(),
  colourChanged: z.boolean(),
  shapeChanged: z.boolean(),
  watermark: z.boolean(),
  unsafe: z.boolean(),
  score: z.number().int().min(0).max(100),
  notes: z.string().max(2000).optional(),
});
type Answer = z.infer<typeof Answer>;

export function createGeminiReviewer(config: GeminiReviewerConfig): Reviewer {
  const ai = geminiClient(config);
  const { thinkingConfig, thoughtRoom } = familyOf(config.model);

  return {
    vendor: 'gemini',
    model: config.model,
    screensSafety: true,
    async review(subject, signal, onAsked) {
      const notes = subject.notes?.filter((n) => subject.products.some((p) => p.slot === n.slot)) ?? [];
      const fromNotes = notes.length > 0 && notes.length === subject.products.length;
      const photos = fromNotes ? [] : [...subject.products, ...(subject.face ? [subject.face] : [])];
      const parts: Part[] = [
        ...photos.map((p) => ({ inlineData: { mimeType: p.vision.contentType, data: Buffer.from(p.vision.bytes).toString('base64') } })),
        await jpegPart(subject.image.bytes, OUTPUT_LONG_EDGE),
        { text: fromNotes ? [REVIEW_FROM_NOTES, ...notes.map((n) => `${n.slot}: ${n.text}`)].join('\n') : REVIEW_INSTRUCTION },
      ];
      const ask = (maxOutputTokens: number) =>
        ai.models.generateContent({
          model: config.model,
          contents: [{ role: 'user', parts }],
          config: {
            temperature: 0,
            maxOutputTokens,
            responseMimeType: 'application/json',
            responseSchema: RESPONSE_SCHEMA,
            // one image: one level for the call (with the photos, theirs: unset, as before)
            ...(fromNotes ? { mediaResolution: OUTPUT_RESOLUTION } : {}),
            ...(thinkingConfig ? { thinkingConfig } : {}),
            abortSignal: signal,
          },
        });
      let response;
      try {
        const first = ask(1024 + thoughtRoom);
        onAsked?.();
        response = await first;
        // Nothing but thoughts: once more with twice the limit.
        if (isThoughtsOnly(response)) response = await ask(2 * (1024 + thoughtRoom));
      } catch (error) {
        throw new Error(`Gemini (${config.model}) could not review the image: ${reason(error)}`, { cause: error });
      }
      const ending = endingOf(response);
      // A safety block on the output is a verdict about it.
      if (ending.kind === 'refused') return { issues: [{ kind: 'UNSAFE', detail: `The safety filter blocked the image (${ending.why}).` }], score: 0 };
      if (ending.kind !== 'stop') throw new Error(`Gemini's review ended without an answer (${ending.kind})`);
      let answer: Answer;
      try {
        answer = Answer.parse(JSON.parse(ending.text));
      } catch {
        throw new Error("Gemini's review was not the structured answer asked for");
      }
      return { issues: issuesOf(answer), score: answer.score };
    },
  };
}

/** The answer as issues; printed text compared here, as strings. */
export function issuesOf(answer: Answer): ReviewIssue[] {
  const issues: ReviewIssue[] = [];
  if (answer.unsafe) issues.push({ kind: 'UNSAFE', detail: 'The image was judged unsafe for a general audience.' });
  if (!answer.productPresent) issues.push({ kind: 'PRODUCT_MISSING', detail: 'The product is not in the image.' });
  // Word by word: a reader may split or join lines differently on the two images.
  const product = new Set(answer.textOnProduct.flatMap(words));
  const changed: string[] = [];
  const unwanted: string[] = [];
  for (const seen of new Set(answer.textOnOutput.flatMap(words))) {
    if (product.has(seen)) continue;
    const close = [...product].find((p) => similarity(p, seen) >= 0.5);
    if (close) changed.push(`"${seen}" for "${close}"`);
    else unwanted.push(`"${seen}"`);
  }
  if (changed.length) issues.push({ kind: 'TEXT_CHANGED', detail: `The printed text changed: ${changed.join(', ')}.` });
  if (unwanted.length) issues.push({ kind: 'UNWANTED_TEXT', detail: `Text that is not on the product: ${unwanted.join(', ')}.` });
  if (answer.logoChanged) issues.push({ kind: 'LOGO_CHANGED', detail: 'The logo differs from the one on the product.' });
  if (answer.colourChanged) issues.push({ kind: 'COLOUR_CHANGED', detail: "The product's colours differ from the photos." });
  if (answer.shapeChanged) issues.push({ kind: 'SHAPE_CHANGED', detail: "The product's shape or parts differ from the photos." });
  if (answer.watermark) issues.push({ kind: 'UNWANTED_TEXT', detail: 'The image carries a watermark or added text.' });
  return issues;
}

/** The words of a text, compared without case or punctuation. */
const words = (text: string) => text.normalize('NFKC').toUpperCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);

/** 1 − edit distance / longer length. */
function similarity(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return 1 - row[b.length]! / Math.max(a.length, b.length, 1);
}
