// What an output costs on its way to Gemini: a JPEG already within the long edge asked (flux's
// 1024 px outputs) goes as it is; anything larger, or another format, is reduced to a JPEG within it.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { jpegPart } from '../src/adapters/describe/gemini-common.js';
import * as img from './helpers/images.js';

const decoded = (part: Awaited<ReturnType<typeof jpegPart>>) => Buffer.from(part.inlineData!.data!, 'base64');

describe('jpegPart', () => {
  it('sends a JPEG within the long edge as it is, without decoding it again', async () => {
    const output = await img.jpeg({ width: 1024, height: 768 });
    const part = await jpegPart(output, 1024);
    expect(part.inlineData!.mimeType).toBe('image/jpeg');
    expect(decoded(part).equals(Buffer.from(output))).toBe(true);
  });

  it.each([
    ['a larger JPEG', () => img.jpeg({ width: 2048, height: 1536 }), [1024, 768]],
    ['a PNG within the edge', () => img.png({ width: 800, height: 600 }), [800, 600]],
  ] as const)('reduces %s to a JPEG within the edge', async (_, make, size) => {
    const meta = await sharp(decoded(await jpegPart(await make(), 1024))).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', ...size]);
  });
});
