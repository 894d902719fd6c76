import sharp from 'sharp';
import { noisy } from '../../test/helpers/images.ts';
const img = await noisy(4000, 3000, 3);
for (const n of [1, 2, 3, 6]) {
  const t = performance.now();
  await Promise.all(Array.from({ length: n }, () => sharp(img).raw().toBuffer()));
  console.log(n, 'x decode full parallel', (performance.now() - t).toFixed(0));
}
