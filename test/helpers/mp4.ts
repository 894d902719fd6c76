// What an MP4 holds, as ffprobe (from @ffprobe-installer, not the encoder that made it) reports it,
// and the order of its top-level boxes: +faststart puts the index (moov) before the media (mdat).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export interface Probed {
  format: string;
  durationSeconds: number;
  video: { codec: string; profile: string; pixFmt: string; width: number; height: number; frames: number };
  audio: { codec: string } | null;
  /** top-level boxes in file order, e.g. ['ftyp', 'moov', 'free', 'mdat'] */
  boxes: string[];
}

const ffprobe = () => (createRequire(import.meta.url)('@ffprobe-installer/ffprobe') as { path: string }).path;

export function topLevelBoxes(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes: string[] = [];
  for (let at = 0; at + 8 <= bytes.byteLength; ) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (size === 1) size = Number(view.getBigUint64(at + 8));
    if (size === 0) size = bytes.byteLength - at;
    boxes.push(type);
    if (size < 8) break;
    at += size;
  }
  return boxes;
}

export async function probeMp4(bytes: Uint8Array): Promise<Probed> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'etalase-probe-'));
  try {
    const file = path.join(dir, 'clip.mp4');
    await writeFile(file, bytes);
    const { stdout } = await promisify(execFile)(ffprobe(), [
      '-v', 'error', '-count_frames', '-show_entries',
      'format=format_name,duration:stream=codec_type,codec_name,profile,pix_fmt,width,height,nb_read_frames',
      '-of', 'json', file,
    ]);
    const json = JSON.parse(stdout) as { format: { format_name: string; duration: string }; streams: Array<Record<string, string | number>> };
    const video = json.streams.find((s) => s.codec_type === 'video')!;
    const audio = json.streams.find((s) => s.codec_type === 'audio');
    return {
      format: json.format.format_name,
      durationSeconds: Number(json.format.duration),
      video: {
        codec: String(video.codec_name),
        profile: String(video.profile),
        pixFmt: String(video.pix_fmt),
        width: Number(video.width),
        height: Number(video.height),
        frames: Number(video.nb_read_frames),
      },
      audio: audio ? { codec: String(audio.codec_name) } : null,
      boxes: topLevelBoxes(bytes),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** moov before mdat: a player can start before the whole file has arrived */
export const isFastStart = (boxes: string[]) => boxes.indexOf('moov') !== -1 && boxes.indexOf('moov') < boxes.indexOf('mdat');
