// Describer backed by Gemini: one short factual caption per uploaded image, which the prompt composer
// folds into the generation prompt. Retries are ours, not the SDK's, so the time budget holds.
import { ApiError, GoogleGenAI } from '@google/genai';
import type { Config } from '../../config.js';
import type { Describer, VisionImage, SlotKind } from '../../studio/ports.js';
import { RetryError, retry, type RetryOptions } from '../retry.js';

export type GeminiDescriberConfig = Extract<Config['describer'], { kind: 'gemini' }>;

export interface GeminiDescriberDeps {
  sleep?: RetryOptions['sleep'];
  random?: RetryOptions['random'];
}

const INSTRUCTIONS: Record<SlotKind, string> = {
  product:
    'Describe this product photo for an image generator that must reproduce the product faithfully: ' +
    'product type, exact colours, material, design details, any logos or text (quote them exactly), and shape.',
  face:
    'Describe the person in this photo for an image generator that must keep their likeness: face shape, ' +
    'skin tone, hair (colour, length, style), distinctive features, and expression.',
  background:
    'Describe this background photo for an image generator that must recreate the setting: environment, ' +
    'colours, lighting, notable objects, textures, and mood.',
};
const FORMAT = 'Answer in 2-4 short factual sentences in English. No preamble, no lists, no markdown.';

/** A try that ran past its own timeout: retryable, unlike an abort by the caller. */
class AttemptTimeout extends Error {}

/** Retry-After as seconds or an HTTP date; Google's RetryInfo ("13s") in the error body otherwise. */
function retryAfterMs(header: string | null, error: ApiError): number | null {
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  const delay = /"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"/.exec(error.message);
  return delay ? Number(delay[1]) * 1000 : null;
}

function retryable(error: unknown): boolean | { afterMs: number } {
  if (error instanceof AttemptTimeout) return true;
  if (error instanceof ApiError) {
    if (error.status !== 429 && error.status < 500) return false;
    const after = (error as ApiError & { retryAfterMs?: number | null }).retryAfterMs;
    return after != null ? { afterMs: after } : true;
  }
  // fetch's own network failures (connection reset, refused) are worth another try
  return error instanceof TypeError && /fetch failed/i.test(error.message);
}

/** One line for logs and warnings: ApiError messages are whole JSON bodies. */
function reason(error: unknown): string {
  const inner = error instanceof RetryError ? error.lastError : error;
  const what = inner instanceof ApiError ? `HTTP ${inner.status}` : inner instanceof Error ? inner.message : String(inner);
  return error instanceof RetryError ? `${what} (${error.message})` : what;
}

export function createGeminiDescriber(config: GeminiDescriberConfig, deps: GeminiDescriberDeps = {}): Describer {
  const ai = new GoogleGenAI({ apiKey: config.apiKey, ...(config.baseUrl ? { httpOptions: { baseUrl: config.baseUrl } } : {}) });

  async function once(image: VisionImage, signal: AbortSignal, timeoutMs: number): Promise<string> {
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
      const response = await ai.models.generateContent({
        model: config.model,
        contents: [
          {
            role: 'user',
            parts: [
              { inlineData: { mimeType: image.vision.contentType, data: Buffer.from(image.vision.bytes).toString('base64') } },
              { text: `${INSTRUCTIONS[image.kind]} ${FORMAT}` },
            ],
          },
        ],
        config: {
          temperature: 0.2,
          maxOutputTokens: 200,
          // Captions gain nothing from thinking and 2.5 models think by default, at a cost.
          thinkingConfig: { thinkingBudget: 0 },
          abortSignal: AbortSignal.any([signal, timeout.signal]),
          httpOptions: { fetch: fetchSpy },
        },
      });
      const text = response.text?.trim();
      if (!text) {
        const why = response.promptFeedback?.blockReason ?? response.candidates?.[0]?.finishReason ?? 'no candidates';
        throw new Error(`empty reply (${why})`);
      }
      return text;
    } catch (error) {
      if (timeout.signal.aborted && !signal.aborted) throw new AttemptTimeout(`no answer within ${timeoutMs} ms`);
      if (error instanceof ApiError) Object.assign(error, { retryAfterMs: retryAfterMs(retryAfterHeader, error) });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    model: config.model,
    async describe(image, signal) {
      try {
        return await retry(
          ({ remainingMs }) => once(image, signal, Math.min(config.timeoutMs, remainingMs)),
          {
            attempts: config.retries + 1,
            budgetMs: config.budgetMs,
            baseMs: 500,
            maxMs: 8000,
            retryable,
            sleep: deps.sleep,
            random: deps.random,
          },
          signal,
        );
      } catch (error) {
        if (signal.aborted) throw error;
        throw new Error(`Gemini (${config.model}) could not describe ${image.slot}: ${reason(error)}`, { cause: error });
      }
    },
  };
}
