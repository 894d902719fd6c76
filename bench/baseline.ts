// The original design, for comparison: describe the six photos one after another with the Gemini
// SDK (the file as uploaded, base64, no resizing), fold the captions into one prompt, then one fal
// text-to-image job per image (num_images 1), one after another, with the client's default polling
// (subscribe, 500 ms). Same fakes, same host-redirecting fetch as the app.
import { createFalClient } from '@fal-ai/client';
import { GoogleGenAI } from '@google/genai';
import { redirectingFetch } from '../src/adapters/generate/fal.js';
import { COUNT } from './protocol.js';

export interface BaselineOptions {
  geminiUrl: string;
  falUrl: string;
}

const MODEL = 'gemini-2.5-flash-lite';
const TEXT_MODEL: string = 'fal-ai/flux/schnell';
const KINDS = ['product', 'product', 'product', 'product', 'face', 'background'] as const;
const ASK: Record<(typeof KINDS)[number], string> = {
  product: 'Describe this product photo for an image generator: type, colours, material, details, logos, shape.',
  face: 'Describe the person in this photo for an image generator: face, skin tone, hair, features.',
  background: 'Describe this background photo for an image generator: setting, colours, lighting, mood.',
};

export async function startBaseline(options: BaselineOptions) {
  const ai = new GoogleGenAI({ apiKey: 'bench', httpOptions: { baseUrl: options.geminiUrl } });
  const fal = createFalClient({ credentials: 'bench', fetch: redirectingFetch(options.falUrl) });

  return {
    async run(photos: Uint8Array[]) {
      const startEpoch = Date.now();
      const t0 = performance.now();
      const captions: string[] = [];
      for (const [i, photo] of photos.entries()) {
        const kind = KINDS[i] ?? 'product';
        const response = await ai.models.generateContent({
          model: MODEL,
          contents: [
            {
              role: 'user',
              parts: [{ inlineData: { mimeType: 'image/jpeg', data: Buffer.from(photo).toString('base64') } }, { text: ASK[kind] }],
            },
          ],
          config: { temperature: 0.2, maxOutputTokens: 200 },
        });
        captions.push(`${kind}: ${response.text?.trim() ?? ''}`);
      }
      const t1 = performance.now();
      const prompt = `Campaign photo, woman, fashion, standing portrait. ${captions.join(' ')}`;
      let images = 0;
      for (let i = 0; i < COUNT; i++) {
        const result = await fal.subscribe(TEXT_MODEL, {
          input: { prompt, num_images: 1, image_size: 'square_hd', num_inference_steps: 4, enable_safety_checker: true, output_format: 'jpeg' },
        });
        images += Array.isArray(result.data?.images) ? result.data.images.length : 0;
      }
      const t2 = performance.now();
      const endEpoch = Date.now();
      if (captions.length !== photos.length || images !== COUNT) throw new Error(`baseline got ${captions.length} captions, ${images} images`);
      return {
        ms: t2 - t0,
        startEpoch,
        endEpoch,
        uploadedBytes: photos.reduce((sum, p) => sum + p.byteLength, 0),
        phases: { 'describe: 6 sequential Gemini calls': t1 - t0, 'generate: 4 sequential fal jobs': t2 - t1 },
      };
    },
    async close() {},
  };
}
