// What the Gemini adapters (describer, prompt writer, reviewer) share: the client, thinking settings per model
// family, how a reply ended, and which failures are worth another try.
import { ApiError, FinishReason, GoogleGenAI, ThinkingLevel, type GenerateContentResponse, type Part, type ThinkingConfig } from '@google/genai';
import sharp from 'sharp';
import { RetryError } from '../retry.js';

export function geminiClient(config: { apiKey: string; baseUrl?: string }): GoogleGenAI {
  return new GoogleGenAI({ apiKey: config.apiKey, ...(config.baseUrl ? { httpOptions: { baseUrl: config.baseUrl } } : {}) });
}

/**
 * What a model family needs from a call. Thinking adds latency and cost and nothing to a caption. Each
 * family takes a different setting and rejects the other with HTTP 400
 * (ai.google.dev/gemini-api/docs/thinking): 2.5 Flash and Flash-Lite turn it off with thinkingBudget 0,
 * 2.5 Pro cannot turn it off (128 is its floor), 3.x models take a thinkingLevel instead (MINIMAL on
 * Flash and Flash-Lite; Pro accepts only LOW and HIGH). An unknown family gets no setting at all: its
 * own default, rather than a 400 on every call.
 *
 * Thoughts count against maxOutputTokens, so a family that keeps thinking gets `thoughtRoom` added
 * to every call's own output limit; a reply whose thoughts still used it all (MAX_TOKENS, no text) is
 * asked for once more with the larger limit (endingOf: max-tokens with empty text).
 */
export interface GeminiFamily {
  thinkingConfig?: ThinkingConfig;
  /** output tokens the family may spend thinking before it answers */
  thoughtRoom: number;
}

export function familyOf(model: string): GeminiFamily {
  const id = model.replace(/^models\//, '');
  if (/^gemini-2\.5-pro/.test(id)) return { thinkingConfig: { thinkingBudget: 128 }, thoughtRoom: 128 };
  if (/^gemini-2\.5-/.test(id)) return { thinkingConfig: { thinkingBudget: 0 }, thoughtRoom: 0 };
  if (/^gemini-3(\.\d+)?-pro/.test(id)) return { thinkingConfig: { thinkingLevel: ThinkingLevel.LOW }, thoughtRoom: 1024 };
  // MINIMAL still thinks now and then; the retry on an empty MAX_TOKENS covers it
  if (/^gemini-3(\.\d+)?-/.test(id)) return { thinkingConfig: { thinkingLevel: ThinkingLevel.MINIMAL }, thoughtRoom: 0 };
  return { thoughtRoom: 256 };
}

export const thinkingFor = (model: string): ThinkingConfig | undefined => familyOf(model).thinkingConfig;

/** Safety verdicts on the input or the answer: the photo itself is the problem. */
const REFUSALS = new Set<string>([
  FinishReason.SAFETY,
  FinishReason.PROHIBITED_CONTENT,
  FinishReason.BLOCKLIST,
  FinishReason.SPII,
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
]);

export type Ending =
  | { kind: 'stop'; text: string }
  | { kind: 'max-tokens'; text: string }
  | { kind: 'refused'; why: string }
  | { kind: 'recitation' }
  | { kind: 'empty'; why: string };

/** How a reply ended: finished, cut at maxOutputTokens (with no text when thoughts took it all), refused by a safety filter, or nothing usable. */
export function endingOf(response: GenerateContentResponse): Ending {
  const block = response.promptFeedback?.blockReason;
  const finish = response.candidates?.[0]?.finishReason;
  if (block && REFUSALS.has(block)) return { kind: 'refused', why: String(block) };
  if (finish && REFUSALS.has(finish)) return { kind: 'refused', why: String(finish) };
  if (finish === FinishReason.RECITATION) return { kind: 'recitation' };
  const text = response.text?.trim() ?? '';
  // Thoughts that used the whole output limit: no text, MAX_TOKENS. A cut answer, worth the larger limit.
  if (!text && finish === FinishReason.MAX_TOKENS) return { kind: 'max-tokens', text: '' };
  if (!text) return { kind: 'empty', why: String(block ?? finish ?? 'no candidates') };
  return finish === FinishReason.MAX_TOKENS ? { kind: 'max-tokens', text } : { kind: 'stop', text };
}

/** MAX_TOKENS with no text: the thoughts used the whole output limit. */
export function isThoughtsOnly(response: GenerateContentResponse): boolean {
  const ending = endingOf(response);
  return ending.kind === 'max-tokens' && ending.text === '';
}

/** A try that ran past its own timeout: retryable, unlike an abort by the caller. */
export class AttemptTimeout extends Error {}

/** Retry-After as seconds or an HTTP date; Google's RetryInfo ("13s") in the error body otherwise. */
export function retryAfterMs(header: string | null, error: ApiError): number | null {
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  const delay = /"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"/.exec(error.message);
  return delay ? Number(delay[1]) * 1000 : null;
}

export function retryable(error: unknown): boolean | { afterMs: number } {
  if (error instanceof AttemptTimeout) return true;
  if (error instanceof ApiError) {
    if (error.status !== 429 && error.status < 500) return false;
    const after = (error as ApiError & { retryAfterMs?: number | null }).retryAfterMs;
    return after != null ? { afterMs: after } : true;
  }
  // fetch's own network failures (connection reset, refused) are worth another try
  return error instanceof TypeError && /fetch failed/i.test(error.message);
}

/** A 4xx other than 429: the key, the model id or a parameter is wrong, and every call will fail alike. */
export function isRejection(error: unknown): boolean {
  const inner = error instanceof RetryError ? error.lastError : error;
  return inner instanceof ApiError && inner.status >= 400 && inner.status < 500 && inner.status !== 429 && inner.status !== 408;
}

/** One line for logs and warnings: ApiError messages are whole JSON bodies. */
export function reason(error: unknown): string {
  const inner = error instanceof RetryError ? error.lastError : error;
  const what = inner instanceof ApiError ? `HTTP ${inner.status}` : inner instanceof Error ? inner.message : String(inner);
  return error instanceof RetryError ? `${what} (${error.message})` : what;
}

/** An image as a JPEG part within `longEdge` px: what Gemini needs to judge an output, not more. A
 *  JPEG already within it (flux's 1024 px outputs) is sent as it is: decoding and encoding it again
 *  cost ~15 ms of CPU an image, on the critical path, for the same tokens. */
export async function jpegPart(image: Uint8Array, longEdge: number): Promise<Part> {
  const { format, width = Infinity, height = Infinity, orientation = 1 } = await sharp(image).metadata();
  const fits = format === 'jpeg' && orientation === 1 && Math.max(width, height) <= longEdge;
  const bytes = fits ? Buffer.from(image.buffer, image.byteOffset, image.byteLength) : await sharp(image).resize(longEdge, longEdge, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 85 }).toBuffer();
  return { inlineData: { mimeType: 'image/jpeg', data: bytes.toString('base64') } };
}
