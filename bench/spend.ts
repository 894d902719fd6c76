// Provider spend per batch, computed from what the fakes received (issue 11): Gemini input tokens by
// Google's documented image-token rules for the model each request named, and fal's list price for
// the images each job asked for. Tokens are the describe cost's unit (prices differ by model and
// change; the ratio between two designs on the same model does not).
//
// Gemini image tokens (ai.google.dev/gemini-api/docs/tokens, …/media-resolution; @google/genai's
// MediaResolution enum):
//   Gemini 2.x  no media_resolution: 258 when both sides ≤ 384 px, else 258 per 768 × 768 tile;
//               LOW 64, MEDIUM 256, HIGH 256.
//   Gemini 3.x  by media_resolution only, whatever the pixels: LOW 280, MEDIUM 560, HIGH 1120, and
//               HIGH when unset (the default for images). A part's own mediaResolution (Gemini 3 reads
//               one per image) counts before the call's.
// Text: about 4 characters a token (the same page's rule of thumb).
import { sizeOf } from '../test/fakes/fal.js';

export interface GeminiCall {
  model: string;
  /** `mediaResolution`: the part's own level, when it names one */
  images: Array<{ width: number; height: number; mediaResolution?: string | null }>;
  textChars: number;
  mediaResolution: string | null;
}

const GEMINI_3 = /^gemini-3/;
const LEVELS_3: Record<string, number> = { MEDIA_RESOLUTION_LOW: 280, MEDIA_RESOLUTION_MEDIUM: 560, MEDIA_RESOLUTION_HIGH: 1120 };
const LEVELS_2: Record<string, number> = { MEDIA_RESOLUTION_LOW: 64, MEDIA_RESOLUTION_MEDIUM: 256, MEDIA_RESOLUTION_HIGH: 256 };

export function imageTokens(model: string, width: number, height: number, mediaResolution: string | null): number {
  if (GEMINI_3.test(model)) return LEVELS_3[mediaResolution ?? ''] ?? LEVELS_3.MEDIA_RESOLUTION_HIGH!;
  const level = LEVELS_2[mediaResolution ?? ''];
  if (level !== undefined) return level;
  if (width <= 384 && height <= 384) return 258;
  return Math.ceil(width / 768) * Math.ceil(height / 768) * 258;
}

/** Input tokens of a call as sent, or as if it had been sent to `asModel` with the same settings. */
export function callTokens(call: GeminiCall, asModel = call.model): { image: number; text: number } {
  const image = call.images.reduce((sum, i) => sum + imageTokens(asModel, i.width, i.height, i.mediaResolution ?? call.mediaResolution), 0);
  return { image, text: Math.ceil(call.textChars / 4) };
}

/** Width and height from a JPEG's frame header (the only format either design sends Gemini). */
export function jpegSize(bytes: Buffer): { width: number; height: number } {
  for (let at = 2; at + 9 < bytes.length; ) {
    if (bytes[at] !== 0xff) break;
    const marker = bytes[at + 1]!;
    const length = bytes.readUInt16BE(at + 2);
    // SOF0…SOF15, except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    }
    at += 2 + length;
  }
  throw new Error('no JPEG frame header in an image sent to Gemini');
}

/** What one request to the Gemini fake asked for. */
export function geminiCallOf(request: { path: string; body: any }): GeminiCall {
  const model = /\/models\/([^:/]+):/.exec(request.path)?.[1] ?? 'unknown';
  const parts: any[] = request.body?.contents?.flatMap((c: any) => c?.parts ?? []) ?? [];
  const system: any[] = request.body?.systemInstruction?.parts ?? [];
  return {
    model,
    images: parts
      .filter((p) => p?.inlineData?.data)
      .map((p) => ({ ...jpegSize(Buffer.from(p.inlineData.data, 'base64')), mediaResolution: p.mediaResolution?.level ?? null })),
    textChars: [...parts, ...system].reduce((sum, p) => sum + (typeof p?.text === 'string' ? p.text.length : 0), 0),
    mediaResolution: request.body?.generationConfig?.mediaResolution ?? null,
  };
}

/** fal list prices of the profiled models (src/studio/prompt/profiles.ts says which unit each bills). */
const FAL_PRICE: Record<string, { perMegapixel?: number; perImage?: number }> = {
  'fal-ai/flux/schnell': { perMegapixel: 0.003 },
  'fal-ai/bytedance/seedream/v4.5/edit': { perImage: 0.04 },
  'fal-ai/bytedance/seedream/v4/edit': { perImage: 0.03 },
};

export function falJobCost(job: { app: string; input: any }): { images: number; megapixels: number; usd: number | null } {
  const images = Number(job.input?.num_images ?? 1);
  const [w, h] = sizeOf(job.input);
  const megapixels = (images * w * h) / 1e6;
  const price = FAL_PRICE[job.app];
  const usd = !price ? null : price.perImage !== undefined ? price.perImage * images : price.perMegapixel! * megapixels;
  return { images, megapixels, usd };
}
