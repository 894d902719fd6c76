// A generateImages request as the caller sends it, checked before anything is paid for: every
// rejection names the field. The request hash is what makes a reused idempotency key a conflict.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InvalidInputError } from './errors.js';
import { parseStyleOptions, type StyleOptionsInput } from './options.js';
import { checkText } from './text.js';
import { isPreset, type MarketplacePreset } from './marketplace-presets.js';
import type { GenerationMode, Slot } from './ports.js';
import type { StyleOptions } from './style-catalog.js';

export const MAX_PRODUCT_IMAGES = 4;
export const MAX_COUNT = 4;
export const COUNT_MESSAGE = `count must be between 1 and ${MAX_COUNT}.`;
export const PROMPT_LIMIT = 1000;

// The limits as rules, checked here for every caller and by the GraphQL schema before any file is read.
export const COUNT_RULE = z.number().int().min(1, COUNT_MESSAGE).max(MAX_COUNT, COUNT_MESSAGE);
export const PRODUCT_IMAGES_MESSAGE = `Upload at most ${MAX_PRODUCT_IMAGES} product photos.`;
export const PRODUCT_IMAGES_RULE = z.array(z.any()).max(MAX_PRODUCT_IMAGES, PRODUCT_IMAGES_MESSAGE);

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
  webhookUrl?: string | null;
  /** every image is also made to these marketplace presets (names checked here) */
  exports?: string[] | null;
  /** PACKSHOT: a soft contact shadow under the product */
  shadow?: boolean | null;
}

export interface ValidRequest {
  uploads: Array<{ slot: Slot; bytes: Uint8Array }>;
  options: StyleOptions;
  freeText: string | null;
  idempotencyKey: string | null;
  webhookUrl: string | null;
  exports: MarketplacePreset[];
}

/** The same rules for every job a seller starts (a batch, a clip). */
export function checkIdempotencyKey(key: string | null): string | null {
  if (key === null) return null;
  if (key.trim() === '') throw new InvalidInputError('idempotencyKey', 'idempotencyKey must be 1–200 characters.');
  return checkText('idempotencyKey', key, 200);
}

/** A webhook address as given (trimmed), within its length; whether it may be called is Webhooks.check. */
export function checkWebhookUrl(raw: string | null): string | null {
  const url = raw?.trim() || null;
  if (url && url.length > 2000) throw new InvalidInputError('webhookUrl', 'webhookUrl is limited to 2000 characters.');
  return url;
}

export function validate(cmd: GenerateCommand): ValidRequest {
  if (!COUNT_RULE.safeParse(cmd.count).success) throw new InvalidInputError('count', COUNT_MESSAGE);
  if (!PRODUCT_IMAGES_RULE.safeParse(cmd.productImages).success) throw new InvalidInputError('productImages', PRODUCT_IMAGES_MESSAGE);
  const freeText = cmd.prompt?.trim() || null;
  if (freeText) checkText('prompt', freeText, PROMPT_LIMIT);
  const key = checkIdempotencyKey(cmd.idempotencyKey ?? null);
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
  if (cmd.mode === 'PACKSHOT' && cmd.productImages.length === 0) {
    throw new InvalidInputError('productImages', 'PACKSHOT needs a product photo: it is cut out and placed on white.');
  }
  const unknown = (cmd.exports ?? []).find((p) => !isPreset(p));
  if (unknown !== undefined) throw new InvalidInputError('exports', `No such marketplace preset: ${unknown}.`);
  const exports = [...new Set(cmd.exports ?? [])] as MarketplacePreset[];
  const webhookUrl = checkWebhookUrl(cmd.webhookUrl ?? null);
  return { uploads, options, freeText, idempotencyKey: key, webhookUrl, exports };
}

/** Everything that defines the request: the same idempotency key with another hash is a conflict. */
export function requestHash(cmd: GenerateCommand, req: ValidRequest): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ mode: cmd.mode, count: cmd.count, options: req.options, prompt: req.freeText }));
  if (req.webhookUrl) h.update(`|webhook:${req.webhookUrl}`);
  if (req.exports.length) h.update(`|exports:${req.exports.join(',')}`);
  if (cmd.shadow) h.update('|shadow');
  for (const u of req.uploads) h.update(`|${u.slot}:`).update(createHash('sha256').update(u.bytes).digest('hex'));
  return h.digest('hex');
}
