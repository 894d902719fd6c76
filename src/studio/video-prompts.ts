// Two 6-second video prompts per generated image, from the same facts as the image prompt, so an
// image-to-video model animates what the photo shows. A: soft natural motion with a stable camera.
// B: a slow zoom onto the product's texture and branding. Varied per image so a batch isn't uniform.
import type { Description, VideoPrompt } from './ports.js';
import { label } from './prompt/vocabulary.js';
import type { StyleOptions } from './style-catalog.js';

const MODEL_MOTION = [
  'the model breathes naturally, shifts weight gently and smiles softly',
  'the model turns slightly toward the camera and adjusts the product with a relaxed hand',
  'the model takes a slow half-step and glances down at the product, then back to camera',
  'a light breeze moves the hair and fabric while the model holds the pose',
];
const PRODUCT_MOTION = [
  'soft light drifts slowly across the product, shadows shift subtly',
  'a gentle breeze and faint ambient movement in the background, the product stays still',
  'the product rotates a few degrees on its base, light glinting on its edges',
  'soft bokeh in the background shimmers while the product stays in sharp focus',
];
const HAND_MOTION = [
  'the hand tilts the product slightly to catch the light',
  'the fingers adjust their grip gently, turning the product toward the camera',
];

function productFacts(descriptions: Description[]): string {
  const first = descriptions.find((d) => d.slot.startsWith('PRODUCT'))?.text;
  if (!first) return 'the product';
  const sentence = first.split(/(?<=\.)\s/)[0] ?? first;
  return `the product (${sentence.replace(/\.$/, '').slice(0, 160)})`;
}

export function videoPrompts(options: StyleOptions, descriptions: Description[], index: number): VideoPrompt[] {
  const product = productFacts(descriptions);
  const hands = options.contentType === 'PRODUCT_ONLY' && options.interaction && options.interaction !== 'NONE';
  const motions = options.contentType === 'MODEL' ? MODEL_MOTION : hands ? HAND_MOTION : PRODUCT_MOTION;
  const motion = motions[index % motions.length]!;
  const lighting = options.lighting ? `, ${options.lighting.label.toLowerCase()} lighting kept constant` : '';
  const frame = `${label('aspectRatio', options.aspectRatio)} frame`;
  return [
    {
      version: 'A',
      text: `6-second video, ${frame}: ${motion}. Stable locked-off camera, no cuts, natural real-time motion${lighting}. Keep ${product} exactly as in the photo, colours and details unchanged.`,
    },
    {
      version: 'B',
      text: `6-second video, ${frame}: a slow, smooth push-in zoom from the full shot to a close-up of ${product}, ending on its texture, material and logo or branding in crisp focus. No cuts, no camera shake${lighting}; the scene otherwise stays still.`,
    },
  ];
}
