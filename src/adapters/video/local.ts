// A video maker on this machine: FFmpeg turns the image itself into a real clip, no AI and no
// network. B is a slow push-in to the centre (the texture and the label), A a gentle drift across a
// slightly closer frame with a steady camera; both ease in and out. The frame is rendered at twice
// the output size before the pan, so the motion moves in quarter pixels and does not shimmer. Nothing
// is paid for, so there is nothing to resume: a retried job makes the clip again.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VideoError, type ClipRequest, type MadeClip, type VideoMaker } from '../../studio/ports.js';
import type { VideoResolution } from '../../studio/video-profiles.js';
import { inWorkDir, readClip, runFfmpeg } from './ffmpeg.js';

export interface LocalVideoMakerConfig {
  ffmpeg: string;
  resolution: VideoResolution;
}

const FPS = 24;
const LONG_EDGE: Record<VideoResolution, number> = { '480p': 854, '720p': 1280 };
const SHORT_EDGE: Record<VideoResolution, number> = { '480p': 480, '720p': 720 };
const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

/** The output frame for an image: its shape, the short edge at the resolution, the long edge capped. */
export function frameFor(width: number, height: number, resolution: VideoResolution): { width: number; height: number } {
  const short = SHORT_EDGE[resolution];
  const long = Math.min(LONG_EDGE[resolution], (short * Math.max(width, height)) / Math.min(width, height));
  return width >= height ? { width: even(long), height: short } : { width: short, height: even(long) };
}

/** zoompan's expressions for each version; `t` runs 0 → 1 over the clip, eased. */
function motion(version: 'A' | 'B', frames: number): { z: string; x: string; y: string } {
  const t = `(1-cos(PI*on/${Math.max(1, frames - 1)}))/2`;
  if (version === 'B') return { z: `1+0.25*${t}`, x: 'iw/2-(iw/zoom/2)', y: 'ih/2-(ih/zoom/2)' };
  return { z: '1.08', x: `(iw-iw/zoom)*(0.2+0.6*${t})`, y: `(ih-ih/zoom)*(0.5-0.15*sin(PI*on/${Math.max(1, frames - 1)}))` };
}

export function createLocalVideoMaker(config: LocalVideoMakerConfig): VideoMaker {
  return {
    name: 'local',
    model: 'local',

    async make(request: ClipRequest): Promise<MadeClip> {
      const { image, signal } = request;
      if (!image.width || !image.height) throw new VideoError('The image has no size on record: it cannot be animated.');
      request.onProgress({ stage: 'GENERATING' });
      const out = frameFor(image.width, image.height, config.resolution);
      const frames = request.durationSeconds * FPS;
      const { z, x, y } = motion(request.version, frames);
      return inWorkDir(async (dir) => {
        const input = path.join(dir, `image.${EXTENSIONS[image.contentType] ?? 'jpg'}`);
        const mp4 = path.join(dir, 'clip.mp4');
        const poster = path.join(dir, 'poster.jpg');
        await writeFile(input, image.bytes);
        // One run: the clip, and its first frame as the poster.
        const filter =
          `[0:v]scale=${out.width * 2}:${out.height * 2}:force_original_aspect_ratio=increase:flags=lanczos,` +
          `crop=${out.width * 2}:${out.height * 2},setsar=1,` +
          `zoompan=z='${z}':x='${x}':y='${y}':d=1:s=${out.width}x${out.height}:fps=${FPS},format=yuv420p,split[v][p]`;
        await runFfmpeg(
          config.ffmpeg,
          ['-y', '-loop', '1', '-framerate', String(FPS), '-i', input, '-filter_complex', filter, '-map', '[v]',
            '-frames:v', String(frames), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '22', '-profile:v', 'high',
            '-pix_fmt', 'yuv420p', '-r', String(FPS), '-movflags', '+faststart', '-an', mp4,
            '-map', '[p]', '-frames:v', '1', '-q:v', '3', poster],
          signal,
        );
        return readClip(mp4, poster, { ...out, durationSeconds: request.durationSeconds, hasAudio: false });
      });
    },
  };
}
