// Two short video prompts per generated image, from the same facts as the image prompt, so an
// image-to-video model animates what the photo shows. A: soft natural motion with a stable camera.
// B: a slow zoom onto the product's texture and branding. Varied per image so a batch isn't uniform.
// Each is written to a video model's profile (studio/video-profiles.ts): its clip length, and what
// it should sound like when the model makes sound. The ones stored with every image are written for
// the default model (Grok Imagine Video, 6 s); a clip made with another model gets its own.
import type { Description, VideoPrompt } from './ports.js';
import { DEFAULT_CLIP_SECONDS, DEFAULT_VIDEO_MODEL, videoProfile, type VideoProfile } from './video-profiles.js';
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

/** The A and B prompts of the image at `index`, for the default video model and length. */
export function videoPrompts(options: StyleOptions, descriptions: Description[], index: number): VideoPrompt[] {
  const profile = videoProfile(DEFAULT_VIDEO_MODEL);
  return (['A', 'B'] as const).map((version) => ({ version, text: clipPrompt(profile, version, DEFAULT_CLIP_SECONDS, options, descriptions, index) }));
}

/** One prompt, written for `profile` and a clip of `seconds`; always within the profile's limit. */
export function clipPrompt(
  profile: VideoProfile,
  version: 'A' | 'B',
  seconds: number,
  options: StyleOptions,
  descriptions: Description[],
  index: number,
): string {
  const product = productFacts(descriptions);
  const hands = options.contentType === 'PRODUCT_ONLY' && options.interaction && options.interaction !== 'NONE';
  const motions = options.contentType === 'MODEL' ? MODEL_MOTION : hands ? HAND_MOTION : PRODUCT_MOTION;
  const motion = motions[index % motions.length]!;
  const lighting = options.lighting ? `, ${options.lighting.label.toLowerCase()} lighting kept constant` : '';
  const frame = `${label('aspectRatio', options.aspectRatio)} frame`;
  const sound = profile.audio ? ' Sound: quiet natural ambience of the scene only, no music, no voice.' : '';
  const text =
    version === 'A'
      ? `${seconds}-second video, ${frame}: ${motion}. Stable locked-off camera, no cuts, natural real-time motion${lighting}. Keep ${product} exactly as in the photo, colours and details unchanged.${sound}`
      : `${seconds}-second video, ${frame}: a slow, smooth push-in zoom from the full shot to a close-up of ${product}, ending on its texture, material and logo or branding in crisp focus. No cuts, no camera shake${lighting}; the scene otherwise stays still and the product keeps its exact shape, colours, text and logo.${sound}`;
  // The facts are capped (160 characters) and every part is fixed: far below any profile's limit.
  return text.slice(0, profile.promptLimit);
}
