// Describer backed by Gemini: one short, dense description per photo of what the image model must
// reproduce, sized for the prompt budget; and a safety check of generated images for edit models
// that report none. Retries are ours, not the SDK's, so the time budget holds.
import { ApiError, type GenerateContentConfig, type GenerateContentResponse, type Part } from '@google/genai';
import type { Config } from '../../config.js';
import { DescribeError, type DescribeReply, type Describer, type GeneratedImage, type PromptRequest, type SlotKind, type VisionImage } from '../../studio/ports.js';
import { lastWholeSentence } from '../../studio/prompt/text.js';
import { retry, type RetryOptions } from '../retry.js';
import { MEDIA_RESOLUTION, parseVisionStep, resolutionFor, visionOutputLimit, visionRequest } from './gemini-vision.js';
import { AttemptTimeout, endingOf, familyOf, geminiClient, isRejection, jpegPart, reason, retryAfterMs, retryable } from './gemini-common.js';

export type GeminiDescriberConfig = Extract<Config['describer'], { kind: 'gemini' }>;

export interface GeminiDescriberDeps {
  sleep?: RetryOptions['sleep'];
  random?: RetryOptions['random'];
  /** fetches generated images for the safety check (tests may wrap it) */
  fetch?: typeof fetch;
}

const INSTRUCTIONS: Record<SlotKind, string> = {
  product:
    'Describe the product in this photo for an image generator that must reproduce it faithfully: product type, ' +
    'exact colours, material, shape and design details, and any logos or text on it, quoted exactly. ' +
    'Describe the product itself, not the photo, its setting or its lighting.',
  face:
    'Describe the person in this photo for an image generator that must keep their likeness: face shape, ' +
    'skin tone, hair (colour, length, style), distinctive features, and expression. Describe the person, not the photo.',
  background:
    'Describe this background photo for an image generator that must recreate the setting: environment, ' +
    'colours, lighting, notable objects, textures, and mood. Describe the place, not the photo.',
};
const FORMAT = 'Answer in 1-3 short factual sentences in English, at most 50 words. No preamble, no lists, no markdown.';
const SCREEN =
  'Is this image unsuitable for a general e-commerce audience: nudity, sexual content, graphic violence or gore? ' +
  'Answer with exactly one word: SAFE or UNSAFE.';

const SCREEN_LONG_EDGE = 768;
/** Output limits: the first try, and the one retry when a description is cut at the first (or its
 *  thoughts used the whole first limit); the family's room for thoughts is added to both. */
const MAX_TOKENS = [200, 400] as const;
const TRIMMED = 'its description was cut at the length limit, so only its whole sentences were used.';

type Answer = { kind: 'text'; text: string; cut: boolean } | { kind: 'refused'; why: string };

export function createGeminiDescriber(config: GeminiDescriberConfig, deps: GeminiDescriberDeps = {}): Describer {
  const ai = geminiClient(config);
  const { thinkingConfig, thoughtRoom } = familyOf(config.model);
  // Gemini 3 reads each photo of one call at its own level; others take one level per call.
  const perPart = /^(models\/)?gemini-3/.test(config.model);

  /** `extra`: the media resolution, a response schema (whatever the call needs beyond the defaults) */
  async function once(parts: Part[], maxOutputTokens: number, signal: AbortSignal, timeoutMs: number, extra: GenerateContentConfig): Promise<Answer> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    let retryAfterHeader: string | null = null;
    // ApiError carries no headers: read Retry-After off the response on its way to the SDK.
    const fetchSpy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      retryAfterHeader = response.headers.get('retry-after');
      return response;
    };
    try {
      const response: GenerateContentResponse = await ai.models.generateContent({
        model: config.model,
        contents: [{ role: 'user', parts }],
        config: {
          temperature: 0.2,
          maxOutputTokens,
          ...(thinkingConfig ? { thinkingConfig } : {}),
          ...extra,
          abortSignal: AbortSignal.any([signal, timeout.signal]),
          httpOptions: { fetch: fetchSpy },
        },
      });
      const ending = endingOf(response);
      switch (ending.kind) {
        case 'refused':
          return { kind: 'refused', why: ending.why };
        case 'recitation':
          throw new DescribeError('the answer was withheld (RECITATION)', 'failed');
        case 'empty':
          throw new Error(`empty reply (${ending.why})`);
        default:
          return { kind: 'text', text: ending.text, cut: ending.kind === 'max-tokens' };
      }
    } catch (error) {
      if (timeout.signal.aborted && !signal.aborted) throw new AttemptTimeout(`no answer within ${timeoutMs} ms`);
      if (error instanceof ApiError) Object.assign(error, { retryAfterMs: retryAfterMs(retryAfterHeader, error) });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  const ask = (parts: Part[], maxOutputTokens: number, signal: AbortSignal, extra: GenerateContentConfig = {}) =>
    retry(
      ({ remainingMs }) => once(parts, maxOutputTokens, signal, Math.min(config.timeoutMs, remainingMs), extra),
      { attempts: config.retries + 1, budgetMs: config.budgetMs, baseMs: 500, maxMs: 8000, retryable, sleep: deps.sleep, random: deps.random },
      signal,
    );

  async function describe(image: VisionImage, signal: AbortSignal): Promise<DescribeReply> {
    const parts: Part[] = [
      { inlineData: { mimeType: image.vision.contentType, data: Buffer.from(image.vision.bytes).toString('base64') } },
      { text: `${INSTRUCTIONS[image.kind]} ${FORMAT}` },
    ];
    const extra = { mediaResolution: MEDIA_RESOLUTION[resolutionFor(image.kind, config.mediaResolution)] };
    let answer = await ask(parts, MAX_TOKENS[0] + thoughtRoom, signal, extra);
    // Cut at maxOutputTokens (or nothing but thoughts): once more with room, then whole sentences only, flagged.
    if (answer.kind === 'text' && answer.cut) answer = await ask(parts, MAX_TOKENS[1] + thoughtRoom, signal, extra);
    if (answer.kind === 'refused') throw new DescribeError(`the safety filter refused the photo (${answer.why})`, 'refused');
    if (!answer.cut) return { text: answer.text };
    if (!answer.text) throw new DescribeError('the model spent its whole output limit thinking, twice (MAX_TOKENS, no text)', 'failed');
    const whole = lastWholeSentence(answer.text);
    if (!whole) throw new DescribeError('the description was cut before its first sentence ended (MAX_TOKENS)', 'failed');
    return { text: whole, warning: TRIMMED };
  }

  /** Downscaled before it is sent: a safe-or-not verdict needs no detail, and on Gemini 2.x a copy
   *  within 768 px is one image tile (258 tokens) where 1024 px is four (bench: describe cost). */
  async function visionCopy(image: GeneratedImage, signal: AbortSignal): Promise<Part> {
    // Our own copy when the generator already handed it over; else the provider's URL.
    let source: Buffer;
    if (image.bytes) source = Buffer.from(image.bytes);
    else {
      const response = await (deps.fetch ?? fetch)(image.url, { signal });
      if (!response.ok) throw new Error(`could not fetch a generated image (HTTP ${response.status})`);
      source = Buffer.from(await response.arrayBuffer());
    }
    return jpegPart(source, SCREEN_LONG_EDGE);
  }

  /** The photos described and the prompt written in one structured call (gemini-vision.ts). */
  async function describeAndWrite(photos: VisionImage[], request: PromptRequest, signal: AbortSignal) {
    const { parts, mediaResolution, schema } = visionRequest(photos, request, config.mediaResolution, perPart);
    const extra: GenerateContentConfig = { responseMimeType: 'application/json', responseSchema: schema, ...(mediaResolution ? { mediaResolution } : {}) };
    const limit = visionOutputLimit(photos.length, request) + thoughtRoom;
    let answer = await ask(parts, limit, signal, extra);
    // Nothing but thoughts: once more with twice the limit. A cut answer is not JSON: the studio falls back.
    if (answer.kind === 'text' && answer.cut && !answer.text) answer = await ask(parts, 2 * limit, signal, extra);
    if (answer.kind === 'refused') throw new DescribeError(`the safety filter refused the batch (${answer.why})`, 'refused');
    if (answer.cut) throw new Error('the answer was cut at the length limit');
    try {
      return parseVisionStep(answer.text);
    } catch {
      throw new Error('the answer was not the structured one asked for');
    }
  }

  return {
    vendor: 'gemini',
    model: config.model,
    readsPrintedText: true,
    async describeAndWrite(photos, request, signal) {
      try {
        return await describeAndWrite(photos, request, signal);
      } catch (error) {
        if (signal.aborted) throw error;
        throw new Error(`Gemini (${config.model}) could not describe the photos and write the prompt: ${reason(error)}`, { cause: error });
      }
    },
    async describe(image, signal) {
      try {
        return await describe(image, signal);
      } catch (error) {
        if (signal.aborted) throw error;
        const kind = error instanceof DescribeError ? error.kind : isRejection(error) ? 'rejected' : 'failed';
        throw new DescribeError(`Gemini (${config.model}) could not describe ${image.slot}: ${reason(error)}`, kind, { cause: error });
      }
    },
    async screen(images, signal) {
      return Promise.all(
        images.map(async (image) => {
          const answer = await ask([await visionCopy(image, signal), { text: SCREEN }], 16 + thoughtRoom, signal, { mediaResolution: MEDIA_RESOLUTION.low });
          return answer.kind === 'refused' || /\bUNSAFE\b/i.test(answer.text);
        }),
      );
    },
  };
}
