// The example CLI's listing part: --mode PACKSHOT and --export PRESET (repeatable) are read here, and
// the exports of a finished batch are saved (exports/<preset>-<n>.jpg) with their compliance printed,
// and the batch's ZIP (batch.zip).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MarketplacePreset, StudioGenerationFragment } from '../web/generated/graphql.js';

export const PRESETS: MarketplacePreset[] = ['TIKTOK_SHOP', 'SHOPEE', 'TOKOPEDIA', 'LAZADA', 'AMAZON', 'GOOGLE_SHOPPING'];
export const MODES = ['TEXT_TO_IMAGE', 'REFERENCE', 'PACKSHOT'];

/** `tokopedia`, `TIKTOK_SHOP` or `tiktok-shop`; anything else is the caller's usage error. */
export function parseExports(names: string[], usage: (message: string) => Error): MarketplacePreset[] {
  return names.map((name) => {
    const preset = name.toUpperCase().replace(/-/g, '_') as MarketplacePreset;
    if (!PRESETS.includes(preset)) throw usage(`--export is one of ${PRESETS.map((p) => p.toLowerCase()).join(', ')}; not "${name}"`);
    return preset;
  });
}

export async function download(url: string, file: string) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`downloading ${url}: HTTP ${response.status}`);
  await writeFile(file, new Uint8Array(await response.arrayBuffer()));
}

type Generation = Pick<StudioGenerationFragment, 'zipUrl' | 'images'>;

export async function saveListing(generation: Generation, out: string): Promise<void> {
  await mkdir(path.join(out, 'exports'), { recursive: true });
  for (const [i, image] of generation.images.entries()) {
    for (const e of image.exports) {
      const file = path.join('exports', `${e.preset.toLowerCase()}-${i + 1}.jpg`);
      await download(e.url, path.join(out, file));
      const failed = e.compliance.filter((c) => !c.passed);
      const verdict = failed.length ? `FAILS ${failed.map((c) => `${c.rule} (${c.measured}; wants ${c.expected})`).join(', ')}` : `passes every ${e.preset} rule`;
      process.stdout.write(`${file}: ${e.width}×${e.height}, ${e.bytes} bytes, ${verdict}\n`);
    }
  }
  if (generation.zipUrl) {
    await download(generation.zipUrl, path.join(out, 'batch.zip'));
    process.stdout.write(`batch.zip: every image, export and cutout, and prompts.txt\n`);
  }
}
