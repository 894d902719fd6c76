// FFmpeg as both video makers use it: the binary (the one that installs with the project, from
// @ffmpeg-installer/ffmpeg, unless FFMPEG_PATH names another), a run that dies with its signal, a
// probe of what a file holds, and the finishing every clip gets before it is stored: H.264 in
// yuv420p with the index at the front (+faststart, so a browser plays it before it has it all) and a
// poster JPEG of the first frame.
import { spawn } from 'node:child_process';
import { access, chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { VideoError, type MadeClip } from '../../studio/ports.js';

/** The packaged binary, made executable if an install left it without the bit (npm may skip the
 *  package's own postinstall chmod); or `configured` as it is. */
export async function ffmpegBinary(configured?: string): Promise<string> {
  if (configured) return configured;
  const bin = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  try {
    await access(bin, 1 /* X_OK */);
  } catch {
    await chmod(bin, 0o755);
  }
  return bin;
}

const STDERR_LIMIT = 64 * 1024;

/** Runs ffmpeg; resolves with its stderr when it exits 0 (or with any code when `anyExit`). */
export function runFfmpeg(bin: string, args: string[], signal?: AbortSignal, anyExit = false): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const child = spawn(bin, ['-hide_banner', '-nostdin', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < STDERR_LIMIT) stderr += chunk.toString();
    });
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new Error(`ffmpeg could not start (${bin}): ${error.message}`));
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(signal.reason);
      if (code === 0 || anyExit) return resolve(stderr);
      reject(new Error(`ffmpeg exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

export interface Probe {
  durationSeconds: number;
  video: { codec: string; pixFmt: string; width: number; height: number } | null;
  audio: { codec: string } | null;
}

/** What a media file holds, from ffmpeg's own description of its input. */
export async function probe(bin: string, file: string, signal?: AbortSignal): Promise<Probe> {
  // Without an output ffmpeg describes the input and exits 1.
  const text = await runFfmpeg(bin, ['-i', file], signal, true);
  const duration = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(text);
  const video = /Stream #\d+:\d+[^:]*: Video: (\w+)[^\n]*?, (\w+)(?:\([^)]*\))?, (\d+)x(\d+)/.exec(text);
  const audio = /Stream #\d+:\d+[^:]*: Audio: (\w+)/.exec(text);
  return {
    durationSeconds: duration ? Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]) : 0,
    video: video ? { codec: video[1]!, pixFmt: video[2]!, width: Number(video[3]), height: Number(video[4]) } : null,
    audio: audio ? { codec: audio[1]! } : null,
  };
}

/** A fresh working directory for one clip, removed whatever happens. */
export async function inWorkDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'etalase-clip-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Any provider's MP4 as we store it, in one FFmpeg run: H.264 yuv420p copied when it already is
 *  (no quality lost), re-encoded when not; AAC sound kept (or made AAC); +faststart; and the poster,
 *  the first frame, beside it. What the file holds is read once, before. */
export async function finishProviderClip(bin: string, input: string, dir: string, signal: AbortSignal): Promise<MadeClip> {
  const found = await probe(bin, input, signal);
  if (!found.video) throw new VideoError('The video service returned a file with no video in it.');
  const out = path.join(dir, 'finished.mp4');
  const poster = path.join(dir, 'poster.jpg');
  const copyVideo = found.video.codec === 'h264' && found.video.pixFmt === 'yuv420p';
  const audio = !found.audio ? ['-an'] : found.audio.codec === 'aac' ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', '128k'];
  const video = copyVideo ? ['-c:v', 'copy'] : ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p'];
  await runFfmpeg(
    bin,
    ['-y', '-i', input, '-map', '0:v:0', '-map', '0:a:0?', ...video, ...audio, '-movflags', '+faststart', out,
      '-map', '0:v:0', '-frames:v', '1', '-q:v', '3', poster],
    signal,
  );
  return readClip(out, poster, { width: found.video.width, height: found.video.height, durationSeconds: found.durationSeconds, hasAudio: found.audio !== null });
}

/** A finished clip and its poster as the studio receives them. */
export async function readClip(
  mp4: string,
  poster: string,
  measured: { width: number; height: number; durationSeconds: number; hasAudio: boolean },
): Promise<MadeClip> {
  return {
    video: new Uint8Array(await readFile(mp4)),
    poster: new Uint8Array(await readFile(poster)),
    width: measured.width,
    height: measured.height,
    durationSeconds: Math.max(1, Math.round(measured.durationSeconds)),
    hasAudio: measured.hasAudio,
    warnings: [],
  };
}
