// The image-to-video models Etalase can call, in one table: what each can make (durations, aspect,
// resolution, sound), how long a prompt it reads, what it costs, and where each fact comes from.
// The studio writes prompts to a profile and checks a request against it before any coin moves; the
// fal adapter builds its request from it. Prices are fal's list prices as read on the sources below
// (December 2026); they only feed the bench and the README, never the coins a seller pays.
import { InvalidInputError } from './errors.js';

export type VideoResolution = '480p' | '720p';

export interface VideoProfile {
  /** the fal app id ('local': FFmpeg on this machine) */
  id: string;
  name: string;
  /** the durations it makes, in seconds: a range of whole seconds, or a list */
  durations: { min: number; max: number } | readonly number[];
  /** how fal wants the duration: a number, or one of an enum of strings */
  durationAs: 'integer' | 'string';
  /** how the frame's shape is decided: the image's own (nothing sent), or `aspect_ratio: "auto"` */
  aspect: 'from-image' | 'auto-param';
  /** what it outputs: the `resolution` we send, or its one fixed resolution */
  resolution: { param: true; default: VideoResolution } | { param: false; fixed: string };
  /** makes a sound track (then the prompt says what it should sound like) */
  audio: boolean;
  /** characters of prompt it reads */
  promptLimit: number;
  /** what a clip costs at fal, in USD */
  price: { unit: string; usd: (seconds: number, resolution: VideoResolution) => number };
  /** fixed fields of its fal input (keep the prompt as written, keep the product still) */
  extraInput?: Record<string, unknown>;
  /** Seedance's `camera_fixed`: sent true for version A (stable camera) */
  cameraFixedParam?: boolean;
  /** Kling's `negative_prompt` */
  negativePrompt?: string;
  sources: string[];
}

export const DEFAULT_VIDEO_MODEL = 'xai/grok-imagine-video/image-to-video';
/** the length of a clip when the request names none */
export const DEFAULT_CLIP_SECONDS = 6;

const NO_DEFORMATION = 'blur, distortion, low quality, deformed product, changed logo, extra text, warped label';

export const VIDEO_PROFILES: readonly VideoProfile[] = [
  {
    id: DEFAULT_VIDEO_MODEL,
    name: 'Grok Imagine Video (xAI)',
    durations: { min: 1, max: 15 },
    durationAs: 'integer',
    aspect: 'from-image',
    resolution: { param: true, default: '720p' },
    audio: true,
    promptLimit: 4096,
    price: { unit: 'per second by resolution: 480p $0.05, 720p $0.07', usd: (s, r) => s * (r === '480p' ? 0.05 : 0.07) },
    sources: [
      'https://fal.ai/models/xai/grok-imagine-video/image-to-video/api (prompt, image_url, duration 1-15 default 6, resolution 480p|720p default 720p; audio included)',
      'https://fal.ai/models/xai/grok-imagine-video/v1.5/image-to-video/llms.txt (the same inputs; v1.5 at $0.08 / $0.14 a second)',
      'xAI API docs via third-party summaries: prompt up to 4096 characters; from $0.05/s at 480p, 720p at 1.4x',
    ],
  },
  {
    id: 'fal-ai/kling-video/v2.5-turbo/pro/image-to-video',
    name: 'Kling 2.5 Turbo Pro',
    durations: [5, 10],
    durationAs: 'string',
    aspect: 'from-image',
    resolution: { param: false, fixed: '1080p' },
    audio: false,
    promptLimit: 2500,
    price: { unit: '$0.35 for 5 s, then $0.07 a second', usd: (s) => 0.35 + Math.max(0, s - 5) * 0.07 },
    extraInput: { cfg_scale: 0.5 },
    negativePrompt: NO_DEFORMATION,
    sources: [
      'https://fal.ai/models/fal-ai/kling-video/v2.5-turbo/pro/image-to-video/llms.txt (prompt, image_url, duration "5"|"10", negative_prompt, cfg_scale, tail_image_url)',
      "Kling's API: prompt up to 2500 characters",
    ],
  },
  {
    id: 'fal-ai/minimax/hailuo-2.3/standard/image-to-video',
    name: 'MiniMax Hailuo 2.3 Standard',
    durations: [6, 10],
    durationAs: 'string',
    aspect: 'from-image',
    resolution: { param: false, fixed: '768p' },
    audio: false,
    promptLimit: 2000,
    price: { unit: 'per clip: $0.28 (6 s), $0.56 (10 s)', usd: (s) => (s <= 6 ? 0.28 : 0.56) },
    // The optimizer rewrites the prompt: it would drop "keep the product unchanged".
    extraInput: { prompt_optimizer: false },
    sources: [
      'https://fal.ai/models/fal-ai/minimax/hailuo-2.3/standard/image-to-video/llms.txt (prompt, image_url, duration "6"|"10", prompt_optimizer; 768p)',
      "MiniMax's API: prompt up to 2000 characters",
    ],
  },
  {
    id: 'fal-ai/bytedance/seedance/v1/pro/fast/image-to-video',
    name: 'Seedance 1.0 Pro Fast (ByteDance)',
    durations: { min: 2, max: 12 },
    durationAs: 'string',
    aspect: 'auto-param',
    resolution: { param: true, default: '720p' },
    audio: false,
    promptLimit: 2000,
    // tokens = width × height × 24 fps × seconds / 1024, $1.0 a million (720p ≈ 1280 × 720)
    price: {
      unit: '$1.0 per million video tokens (w × h × 24 × s / 1024)',
      usd: (s, r) => ((r === '480p' ? 854 * 480 : 1280 * 720) * 24 * s) / 1024 / 1e6,
    },
    cameraFixedParam: true,
    extraInput: { enable_safety_checker: true },
    sources: [
      'https://fal.ai/models/fal-ai/bytedance/seedance/v1/pro/fast/image-to-video/llms.txt (prompt, image_url, duration "2"-"12", resolution 480p|720p|1080p, aspect_ratio auto, camera_fixed)',
      'prompt limit not stated by fal or ByteDance: held to 2000 characters here',
    ],
  },
  {
    id: 'local',
    name: "Etalase's offline maker (FFmpeg on this machine: a slow push-in for B, a gentle drift for A)",
    durations: { min: 1, max: 15 },
    durationAs: 'integer',
    aspect: 'from-image',
    resolution: { param: true, default: '720p' },
    audio: false,
    promptLimit: 4096,
    price: { unit: 'free (this machine)', usd: () => 0 },
    sources: ['src/adapters/video/local.ts'],
  },
];

export const videoModelIds = () => VIDEO_PROFILES.map((p) => p.id);

export function videoProfile(id: string): VideoProfile {
  const profile = VIDEO_PROFILES.find((p) => p.id === id);
  if (!profile) throw new Error(`no video profile for '${id}' (profiled: ${videoModelIds().join(', ')})`);
  return profile;
}

const allowed = (profile: VideoProfile): number[] => {
  const d = profile.durations;
  return 'min' in d ? Array.from({ length: d.max - d.min + 1 }, (_, i) => d.min + i) : [...d];
};

/** The duration a clip is made at: the one asked for, or (within the profile's range) the nearest it
 *  can make, said in a warning; outside its range it is an InvalidInputError, before any coin moves.
 *  `requested` null: the default 6 s, or the profile's nearest. */
export function clipDuration(profile: VideoProfile, requested: number | null): { seconds: number; warning: string | null } {
  const seconds = allowed(profile);
  const want = requested ?? DEFAULT_CLIP_SECONDS;
  const [min, max] = [seconds[0]!, seconds.at(-1)!];
  if (!Number.isInteger(want) || want < min || want > max) {
    const can = 'min' in profile.durations ? `${min} to ${max} seconds` : `${seconds.join(' or ')} seconds`;
    throw new InvalidInputError('durationSeconds', `${profile.name} makes clips of ${can}; ${want} is not one of them.`);
  }
  // Ties go to the longer clip: closer to what the prompts were written for (6 s).
  const nearest = seconds.reduce((best, s) => (Math.abs(s - want) < Math.abs(best - want) || (Math.abs(s - want) === Math.abs(best - want) && s > best) ? s : best));
  return {
    seconds: nearest,
    warning: nearest === want ? null : `${profile.name} makes ${seconds.join(' or ')}-second clips: this one is ${nearest} seconds, not ${want}.`,
  };
}
