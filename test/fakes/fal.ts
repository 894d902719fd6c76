// A wire-level fake of fal (queue.fal.run, fal.run, rest.fal.ai storage, fal.media files) on one local
// port, for the real @fal-ai/client to talk to. The adapter's fetch redirects every fal host here and
// names the original host in `x-fal-host`; the client's proxy mode (`x-fal-target-url`) works too.
// Generated images are real JPEGs made with sharp and served from here. Image-to-video apps
// (…/image-to-video) answer `{ video: { url, content_type, width, height, fps, duration, … } }` with a
// real MP4 made by the project's FFmpeg: H.264 with its index at the end (not +faststart, as a
// provider's may be) and, for Grok, an AAC sound track; its length is the input's `duration`.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { fakeCutout, isCutoutApp } from './fal-cutout.js';
import { streamStatus } from './fal-stream.js';

export type FalStage = 'submit' | 'status' | 'stream' | 'result' | 'cancel' | 'run' | 'initiate' | 'upload';
export type FalFault =
  /** answer this stage's next request with an HTTP error; 422 gets a pydantic-style `detail` list */
  | { at: FalStage; status: number; body?: unknown }
  /** never answer this stage's next request until close() (or the client gives up) */
  | { at: FalStage; hang: true }
  /** the next submitted job runs and fails: status says COMPLETED with `error`, result answers `status`
   *  (default 500, `{detail, error_type}`; 422 gives a ValidationError body) */
  | { at: 'job'; status?: number; error?: string; errorType?: string; body?: unknown };

export interface FalScript {
  /** time from submit until a job is COMPLETED (IN_PROGRESS meanwhile, once its queue positions are used) */
  latencyMs?: number;
  /** one IN_QUEUE answer per status poll (or event of the status stream), with these positions, before a job may start */
  queuePositions?: number[];
  /** has_nsfw_concepts per image index for later jobs; flagged images come back black, as fal's are */
  nsfw?: boolean[];
  /** appended; each fault is used once, by the next request at its stage (or the next job) */
  faults?: FalFault[];
}

export interface FalRequest {
  method: string;
  /** the fal host the client meant (from x-fal-host / x-fal-target-url), or '' when it did not say */
  host: string;
  /** path and query, without the host */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** parsed JSON body, or null */
  body: any;
  bytes: number;
  stage: FalStage | 'file' | 'unknown';
  at: number;
  fault?: string;
}

export interface FalJob {
  id: string;
  app: string;
  /** owner/alias: the part of the app path fal keeps for status, result and cancel */
  root: string;
  input: any;
  submittedAt: number;
  latencyMs: number;
  queuePositions: number[];
  nsfw: boolean[];
  failure?: Extract<FalFault, { at: 'job' }>;
  cancelled: boolean;
  result?: unknown;
}

/** a storage upload: initiated with a name and type, `bytes` once the PUT arrived */
export type FalUpload = { fileName: string; contentType: string; fileUrl: string; bytes?: Buffer };

export interface FalFake {
  url: string;
  requests: FalRequest[];
  jobs: FalJob[];
  uploads: FalUpload[];
  script(script: FalScript): void;
  /** forget requests, jobs, uploads, faults and settings (served files stay) */
  reset(): void;
  /** every file URL answers 404 from now on, as fal's CDN does once an object's lifecycle ends */
  dropFiles(): void;
  close(): Promise<void>;
}

/** `key`: when set, every authenticated endpoint demands `Authorization: Key <key>` */
export type FalFakeOptions = { port?: number; host?: string; key?: string; latencyMs?: number };

const NAMED_SIZES: Record<string, [number, number]> = {
  square_hd: [1024, 1024], square: [512, 512], portrait_4_3: [768, 1024],
  portrait_16_9: [576, 1024], landscape_4_3: [1024, 768], landscape_16_9: [1024, 576],
};
const PALETTE = ['#c8553d', '#588b8b', '#ffd5c2', '#2d3047', '#f28f3b', '#93b7be'];
const NAMESPACES = ['workflows', 'comfy'];
const REPORTS_NSFW = (app: string) => !/seedream|nano-banana/.test(app);
export const isVideoApp = (app: string) => /image-to-video$/.test(app);
/** the size of the fake's clips: small, so that making one costs little */
export const FAKE_CLIP_SIZE = { width: 640, height: 360 };

/** A real MP4 of `seconds` (moov at the end), with a tone when `audio`. */
async function fakeClip(seconds: number, audio: boolean): Promise<Buffer> {
  const ffmpeg = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fal-fake-clip-'));
  try {
    const out = path.join(dir, 'clip.mp4');
    const { width, height } = FAKE_CLIP_SIZE;
    await promisify(execFile)(ffmpeg, [
      '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=24:duration=${seconds}`,
      ...(audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-c:a', 'aac'] : []),
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', out,
    ]);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** fal keeps owner/alias of an app id for queue paths: fal-ai/flux/schnell → fal-ai/flux */
export function appRoot(app: string): string {
  const parts = app.split('/');
  return parts.slice(0, NAMESPACES.includes(parts[0]!) ? 3 : 2).join('/');
}

/** the output size a job asked for (fal's named sizes, or width × height) */
export function sizeOf(input: any): [number, number] {
  const size = input?.image_size;
  if (size && typeof size === 'object' && size.width > 0 && size.height > 0) return [size.width, size.height];
  return NAMED_SIZES[size] ?? [1024, 1024];
}

function validate(input: any, known: (url: string) => boolean, cutout = false): { loc: (string | number)[]; msg: string; type: string }[] {
  const problems = [];
  if (cutout && typeof input?.image_url !== 'string') problems.push({ loc: ['body', 'image_url'], msg: 'Field required', type: 'missing' });
  if (!cutout && (typeof input?.prompt !== 'string' || !input.prompt.trim())) problems.push({ loc: ['body', 'prompt'], msg: 'Field required', type: 'missing' });
  const urls: unknown[] = Array.isArray(input?.image_urls) ? input.image_urls : input?.image_url !== undefined ? [input.image_url] : [];
  urls.forEach((url, i) => {
    // The model downloads each URL; only files this fake holds can be downloaded here.
    if (typeof url !== 'string' || !known(url)) {
      problems.push({ loc: ['body', 'image_urls', i], msg: `Failed to download the file. Please check if the URL is accessible: ${String(url)}`, type: 'file_download_error' });
    }
  });
  return problems;
}

export async function startFalFake(options: FalFakeOptions = {}): Promise<FalFake> {
  const requests: FalRequest[] = [];
  const jobs: FalJob[] = [];
  const uploads: FalUpload[] = [];
  const files = new Map<string, { bytes: Buffer; contentType: string }>();
  const hanging = new Set<http.ServerResponse>();
  let faults: FalFault[] = [];
  let settings = { latencyMs: options.latencyMs ?? 0, queuePositions: [] as number[], nsfw: [] as boolean[] };
  let base = '';

  const takeFault = (at: FalStage | 'job') => {
    const i = faults.findIndex((f) => f.at === at);
    return i === -1 ? undefined : faults.splice(i, 1)[0];
  };
  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const errorBody = (status: number, message?: string) =>
    status === 422
      ? { detail: [{ loc: ['body', 'image_size'], msg: message ?? 'Input should be a valid image size', type: 'value_error' }] }
      : status === 429
        ? { detail: message ?? 'Rate limit exceeded' }
        : { detail: message ?? 'Internal Server Error', error_type: 'internal_error' };
  const links = (job: FalJob) => {
    const at = `${base}/${job.root}/requests/${job.id}`;
    return { request_id: job.id, response_url: at, status_url: `${at}/status`, cancel_url: `${at}/cancel` };
  };
  const done = (job: FalJob) => job.cancelled || (job.queuePositions.length === 0 && Date.now() - job.submittedAt >= job.latencyMs);

  function newJob(app: string, input: any): FalJob {
    const job: FalJob = {
      id: randomUUID(),
      app,
      root: appRoot(app),
      input,
      submittedAt: Date.now(),
      latencyMs: settings.latencyMs,
      queuePositions: [...settings.queuePositions],
      nsfw: [...settings.nsfw],
      failure: takeFault('job') as FalJob['failure'],
      cancelled: false,
    };
    const problems = validate(input, (url) => files.has(new URL(url, base).pathname) && url.startsWith(base), isCutoutApp(app));
    if (problems.length && !job.failure) job.failure = { at: 'job', status: 422, body: { detail: problems } };
    jobs.push(job);
    if (isVideoApp(app)) {
      void clipOf(job).catch(() => {});
      return job;
    }
    if (isCutoutApp(app)) return job;
    const [width, height] = sizeOf(job.input);
    const count = Math.max(1, Math.min(Number(job.input?.num_images) || 1, 8));
    for (let i = 0; i < count; i++) void sceneJpeg(width, height, job.nsfw[i] ? '#000000' : PALETTE[i % PALETTE.length]!, firstPhoto(job.input)).catch(() => {});
    return job;
  }

  // Real fal has the images ready when the status says COMPLETED; rendering them at result time
  // would put this fake's own sharp work on the caller's clock.
  const rendered = new Map<string, Promise<Buffer>>();
  /** The edit model's first photo, as uploaded: an edit keeps the product (the review checks it). */
  const firstPhoto = (input: any): string | null => {
    const url = Array.isArray(input?.image_urls) ? input.image_urls[0] : null;
    return typeof url === 'string' && url.startsWith(base) && files.has(new URL(url).pathname) ? new URL(url).pathname : null;
  };
  /** A real JPEG of a scene: a backdrop and, in its middle, the first photo an edit model was given,
   *  else a dark block standing in for the product (the review finds a subject, not a blank). */
  function sceneJpeg(width: number, height: number, background: string, photo: string | null): Promise<Buffer> {
    const key = `${width}x${height}:${background}:${photo ?? ''}`;
    if (!rendered.has(key)) {
      const edge = Math.round(Math.min(width, height) * 0.6);
      const subject = photo
        ? sharp(files.get(photo)!.bytes).resize(edge, edge, { fit: 'inside' }).toBuffer()
        : sharp({ create: { width: edge, height: edge, channels: 3, background: background === '#000000' ? '#202020' : '#333333' } }).png().toBuffer();
      rendered.set(
        key,
        subject.then((input) => sharp({ create: { width, height, channels: 3, background } }).composite([{ input, gravity: 'centre' }]).jpeg({ quality: 70 }).toBuffer()),
      );
    }
    return rendered.get(key)!;
  }

  // Made at submit, as real fal has the clip when the status says COMPLETED.
  const clips = new Map<string, Promise<Buffer>>();
  function clipOf(job: FalJob): Promise<Buffer> {
    const seconds = Math.max(1, Math.min(Number(job.input?.duration) || 6, 15));
    const audio = /grok/.test(job.app);
    const key = `${seconds}:${audio}`;
    if (!clips.has(key)) clips.set(key, fakeClip(seconds, audio));
    return clips.get(key)!;
  }

  async function result(job: FalJob): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    if (job.cancelled) return { status: 400, body: { detail: 'Request was cancelled', error_type: 'client_cancelled' } };
    if (job.failure) {
      const status = job.failure.status ?? 500;
      const errorType = job.failure.errorType ?? (status === 422 ? 'validation_error' : 'runner_server_error');
      const body = job.failure.body ?? (status === 422 ? errorBody(422, job.failure.error) : { detail: job.failure.error ?? 'Internal Server Error', error_type: errorType });
      return { status, body, headers: { 'x-fal-error-type': errorType } };
    }
    if (!job.result && isVideoApp(job.app)) {
      const bytes = await clipOf(job);
      const path = `/files/${job.id}/output.mp4`;
      files.set(path, { bytes, contentType: 'video/mp4' });
      const duration = Math.max(1, Math.min(Number(job.input?.duration) || 6, 15));
      job.result = {
        video: { url: `${base}${path}`, content_type: 'video/mp4', file_name: 'output.mp4', file_size: bytes.length, ...FAKE_CLIP_SIZE, fps: 24, duration, num_frames: duration * 24 },
      };
    }
    if (!job.result && isCutoutApp(job.app)) {
      const { png, width, height } = await fakeCutout(files.get(new URL(job.input.image_url).pathname)!.bytes);
      const path = `/files/${job.id}/cutout.png`;
      files.set(path, { bytes: png, contentType: 'image/png' });
      job.result = { image: { url: `${base}${path}`, width, height, content_type: 'image/png', file_name: 'cutout.png', file_size: png.length } };
    }
    if (!job.result) {
      const [width, height] = sizeOf(job.input);
      const count = Math.max(1, Math.min(Number(job.input?.num_images) || 1, 8));
      const images = await Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const background = job.nsfw[i] ? '#000000' : PALETTE[i % PALETTE.length]!;
          const bytes = await sceneJpeg(width, height, background, firstPhoto(job.input));
          const path = `/files/${job.id}/${i}.jpeg`;
          files.set(path, { bytes, contentType: 'image/jpeg' });
          return { url: `${base}${path}`, width, height, content_type: 'image/jpeg' };
        }),
      );
      job.result = {
        images,
        timings: { inference: job.latencyMs / 1000 },
        seed: 424242,
        // Seedream and Nano Banana report no safety flags (their flagged images come back all the same)
        ...(REPORTS_NSFW(job.app) ? { has_nsfw_concepts: images.map((_, i) => job.nsfw[i] === true) } : {}),
        prompt: job.input?.prompt ?? '',
      };
    }
    return { status: 200, body: job.result };
  }

  function status(job: FalJob) {
    const position = job.queuePositions.length ? job.queuePositions.shift()! : null;
    if (position !== null) return { status: 'IN_QUEUE', queue_position: position, ...links(job) };
    if (!done(job)) return { status: 'IN_PROGRESS', logs: null, ...links(job) };
    // Newer fal queues name a failure in the status already; the result call carries the HTTP error.
    const error = job.cancelled
      ? { error: 'Request was cancelled', error_type: 'client_cancelled' }
      : job.failure
        ? { error: job.failure.error ?? 'Request failed', error_type: job.failure.errorType ?? 'runner_server_error' }
        : {};
    return { status: 'COMPLETED', logs: null, metrics: { inference_time: job.latencyMs / 1000 }, ...error, ...links(job) };
  }

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    let body: any = null;
    if (String(req.headers['content-type'] ?? '').includes('json')) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {}
    }
    const target = req.headers['x-fal-target-url'];
    const original = typeof target === 'string' ? new URL(target) : null;
    const host = original?.host ?? String(req.headers['x-fal-host'] ?? '');
    const path = original ? `${original.pathname}${original.search}` : (req.url ?? '/');
    const pathname = path.split('?')[0]!;
    const method = req.method ?? 'GET';
    const record: FalRequest = { method, host, path, headers: req.headers, body, bytes: raw.length, stage: 'unknown', at: Date.now() };
    requests.push(record);

    const queueMatch = /^\/(.+)\/requests\/([^/]+?)(\/status\/stream|\/status|\/cancel)?$/.exec(pathname);
    const stage: FalRequest['stage'] =
      method === 'GET' && pathname.startsWith('/files/') ? 'file'
      : method === 'POST' && pathname === '/storage/upload/initiate' ? 'initiate'
      : method === 'PUT' && pathname.startsWith('/storage/upload/') ? 'upload'
      : queueMatch && method === 'GET' && queueMatch[3] === '/status' ? 'status'
      : queueMatch && method === 'GET' && queueMatch[3] === '/status/stream' ? 'stream'
      : queueMatch && method === 'PUT' && queueMatch[3] === '/cancel' ? 'cancel'
      : queueMatch && method === 'GET' && !queueMatch[3] ? 'result'
      : method === 'POST' && /^(www\.)?fal\.run$/.test(host) ? 'run'
      : method === 'POST' && pathname.split('/').filter(Boolean).length >= 2 ? 'submit'
      : 'unknown';
    record.stage = stage;
    if (stage === 'unknown') return send(res, 404, { detail: `fake fal does not serve ${method} ${path}` });

    if (stage !== 'file' && stage !== 'upload') {
      const auth = String(req.headers.authorization ?? '');
      if (!auth.startsWith('Key ') || (options.key && auth !== `Key ${options.key}`)) {
        return send(res, 401, { detail: 'No user found for Key ID and Secret' });
      }
    }

    const fault = stage === 'file' ? undefined : takeFault(stage);
    if (fault && 'hang' in fault) {
      record.fault = 'hang';
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (fault && 'status' in fault && fault.status) {
      record.fault = String(fault.status);
      return send(res, fault.status, fault.body ?? errorBody(fault.status), fault.status === 429 ? { 'retry-after': '1' } : {});
    }

    switch (stage) {
      case 'file': {
        const file = files.get(pathname);
        if (!file) return send(res, 404, { detail: 'File not found' });
        res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.bytes.length) });
        return res.end(file.bytes);
      }
      case 'initiate': {
        const token = randomUUID().replace(/-/g, '');
        const fileName = String(body?.file_name ?? 'file.bin').replace(/[^\w.-]/g, '_');
        const upload: FalUpload = { fileName, contentType: String(body?.content_type ?? 'application/octet-stream'), fileUrl: `${base}/files/${token}/${fileName}` };
        uploads.push(upload);
        return send(res, 200, { upload_url: `${base}/storage/upload/${token}?X-Goog-Signature=fake`, file_url: upload.fileUrl });
      }
      case 'upload': {
        const token = pathname.split('/').pop()!;
        const upload = uploads.find((u) => u.fileUrl.includes(`/files/${token}/`));
        if (!upload) return send(res, 404, { detail: 'Unknown upload' });
        upload.bytes = raw;
        upload.contentType = String(req.headers['content-type'] ?? upload.contentType);
        files.set(new URL(upload.fileUrl).pathname, { bytes: raw, contentType: upload.contentType });
        res.writeHead(200);
        return res.end();
      }
      case 'submit': {
        const job = newJob(pathname.slice(1), body);
        return send(res, 200, { status: 'IN_QUEUE', queue_position: job.queuePositions[0] ?? 0, ...links(job) }, { 'x-fal-request-id': job.id });
      }
      case 'run': {
        const job = newJob(pathname.slice(1), body);
        job.queuePositions = [];
        await new Promise((r) => setTimeout(r, job.latencyMs));
        const answer = await result(job);
        return send(res, answer.status, answer.body, { 'x-fal-request-id': job.id, ...answer.headers });
      }
    }

    const [, root, id] = queueMatch!;
    const job = jobs.find((j) => j.id === id);
    // fal answers only on owner/alias: a client that kept the full app path gets nothing.
    if (!job || job.root !== root) return send(res, 404, { detail: `Request ${id} not found` });
    if (stage === 'status') return send(res, 200, status(job), { 'x-fal-request-id': job.id });
    if (stage === 'stream') return streamStatus(res, job.id, () => status(job));
    if (stage === 'cancel') {
      if (done(job)) return send(res, 400, { status: 'ALREADY_COMPLETED' });
      job.cancelled = true;
      return send(res, 202, { status: 'CANCELLATION_REQUESTED' });
    }
    if (!done(job)) return send(res, 400, { detail: 'Request is still in progress' });
    const answer = await result(job);
    send(res, answer.status, answer.body, { 'x-fal-request-id': job.id, ...answer.headers });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    requests,
    jobs,
    uploads,
    script(script) {
      if (script.latencyMs !== undefined) settings.latencyMs = script.latencyMs;
      if (script.queuePositions) settings.queuePositions = [...script.queuePositions];
      if (script.nsfw) settings.nsfw = [...script.nsfw];
      if (script.faults) faults.push(...script.faults);
    },
    dropFiles() {
      files.clear();
    },
    reset() {
      requests.length = 0;
      jobs.length = 0;
      uploads.length = 0;
      faults = [];
      settings = { latencyMs: options.latencyMs ?? 0, queuePositions: [], nsfw: [] };
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
