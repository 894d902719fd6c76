// fal's background-removal apps, for the wire-level fake (fal.ts): BiRefNet, Bria RMBG 2.0, BEN. They
// take `image_url` (no prompt) and answer `{ image: { url, width, height, content_type: 'image/png',
// file_name, file_size } }`. The fake keys out the colour of the photo's top-left corner: a real
// transparent PNG, good enough for a product on a plain backdrop.
import sharp from 'sharp';

export const isCutoutApp = (app: string) => /birefnet|background\/remove|\/ben\//.test(app);

export async function fakeCutout(bytes: Uint8Array): Promise<{ png: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const [r, g, b] = [data[0]!, data[1]!, data[2]!];
  const rgba = Buffer.alloc(info.width * info.height * 4);
  for (let i = 0; i < info.width * info.height; i++) {
    const d = Math.hypot(data[i * 3]! - r, data[i * 3 + 1]! - g, data[i * 3 + 2]! - b);
    rgba.set([data[i * 3]!, data[i * 3 + 1]!, data[i * 3 + 2]!, d < 40 ? 0 : 255], i * 4);
  }
  const png = await sharp(rgba, { raw: { width: info.width, height: info.height, channels: 4 } }).png().toBuffer();
  return { png, width: info.width, height: info.height };
}
