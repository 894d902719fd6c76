// The fal generator with the real @fal-ai/client against a wire-level fake on 127.0.0.1.
import { createFalClient } from '@fal-ai/client';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFalGenerator, redirectingFetch, type FalGeneratorConfig } from '../src/adapters/generate/fal.js';
import { createImagePreparer } from '../src/media/prepare.js';
import { GenerationError, type GenerateRequest, type GenerationProgress, type PreparedImage, type Slot } from '../src/studio/ports.js';
import { pixelSize, type StyleOptions } from '../src/studio/style-catalog.js';
import { startFalFake, type FalFake } from './fakes/fal.js';
import { jpeg } from './helpers/images.js';
import { parseStyleOptions } from '../src/studio/options.js';

let fake: FalFake;
let references: PreparedImage[];
let logs: Array<{ message: string; detail: Record<string, unknown> }>;

const KEY = 'test-fal-key:secret';
const config = (overrides: Partial<FalGeneratorConfig> = {}): FalGeneratorConfig => ({
  kind: 'fal',
  key: KEY,
  textModel: 'fal-ai/flux/schnell',
  editModel: 'fal-ai/bytedance/seedream/v4/edit',
  maxReferences: 10,
  baseUrl: fake.url,
  ...overrides,
});
const generator = (overrides: Partial<FalGeneratorConfig> = {}) =>
  createFalGenerator(config(overrides), { pollIntervalMs: 20, log: (message, detail) => logs.push({ message, detail }) });

const options = (aspectRatio = 'RATIO_1_1'): StyleOptions =>
  parseStyleOptions({ contentType: 'PRODUCT_ONLY', aspectRatio }, false);

/** A request plus the ordered log of what the generator told the pipeline. */
function request(overrides: Partial<GenerateRequest> & { aspectRatio?: string } = {}) {
  const events: string[] = [];
  const progress: GenerationProgress[] = [];
  const { aspectRatio, ...rest } = overrides;
  const req: GenerateRequest = {
    generationId: 'gen-1',
    prompt: 'a leather handbag on a marble table, soft daylight',
    count: 1,
    mode: 'TEXT_TO_IMAGE',
    options: options(aspectRatio),
    references: [],
    signal: new AbortController().signal,
    onProgress: (p) => {
      progress.push(p);
      events.push(`progress:${p.stage}`);
    },
    onSubmitted: async (id) => {
      events.push(`submitted:${id}`, `results-fetched-before:${fake.requests.filter((r) => r.stage === 'result').length}`);
    },
    ...rest,
  };
  return { req, events, progress };
}

const stages = () => fake.requests.map((r) => r.stage);

beforeAll(async () => {
  fake = await startFalFake({ key: KEY });
  const preparer = createImagePreparer({ maxPixels: 40e6 });
  const slots: Slot[] = ['PRODUCT_1', 'PRODUCT_2', 'PRODUCT_3', 'PRODUCT_4', 'FACE', 'BACKGROUND'];
  const colours = ['#aa0000', '#00aa00', '#0000aa', '#aaaa00', '#e0b090', '#336699'];
  references = await Promise.all(slots.map(async (slot, i) => preparer.prepare(slot, await jpeg({ width: 320, height: 240, color: colours[i] }))));
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  logs = [];
});

describe('fal generator, TEXT_TO_IMAGE', () => {
  it('submits the text model with count, size, 4 steps, the safety checker and the key', async () => {
    const { req } = request({ count: 3, aspectRatio: 'RATIO_3_4' });
    const result = await generator().generate(req);

    const submit = fake.requests.find((r) => r.stage === 'submit')!;
    expect(submit.host).toBe('queue.fal.run');
    expect(submit.path).toBe('/fal-ai/flux/schnell');
    expect(submit.headers.authorization).toBe(`Key ${KEY}`);
    expect(submit.body).toEqual({
      prompt: req.prompt,
      num_images: 3,
      image_size: 'portrait_4_3',
      num_inference_steps: 4,
      enable_safety_checker: true,
      output_format: 'jpeg',
    });
    // fal trims the app to owner/alias for everything after submit
    const id = fake.jobs[0]!.id;
    expect(fake.requests.find((r) => r.stage === 'stream')!.path).toBe(`/fal-ai/flux/requests/${id}/status/stream?logs=0`);
    expect(fake.requests.filter((r) => r.stage === 'status')).toEqual([]); // the stream said COMPLETED: no poll
    expect(fake.requests.find((r) => r.stage === 'result')!.path).toBe(`/fal-ai/flux/requests/${id}`);
    expect(fake.requests.filter((r) => r.stage !== 'file').every((r) => r.headers.authorization === `Key ${KEY}`)).toBe(true);
    // outputs are copied off fal at once, so fal may drop them after a day (enough for a resume)
    expect(JSON.parse(String(submit.headers['x-fal-object-lifecycle-preference']))).toEqual({ expiration_duration_seconds: 86400 });
    expect(fake.requests.filter((r) => r.stage === 'file')).toHaveLength(3);

    expect(result.warnings).toEqual([]);
    expect(result.images).toHaveLength(3);
    expect(result.images[0]).toMatchObject({ width: 768, height: 1024, contentType: 'image/jpeg' });
    const meta = await sharp(Buffer.from(result.images[0]!.bytes!)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 768, 1024]);
  });

  it('maps each aspect ratio to fal’s size names', async () => {
    const sizes: Record<string, string> = {
      RATIO_1_1: 'square_hd',
      RATIO_3_4: 'portrait_4_3',
      RATIO_4_3: 'landscape_4_3',
      RATIO_9_16: 'portrait_16_9',
      RATIO_16_9: 'landscape_16_9',
    };
    for (const aspectRatio of Object.keys(sizes)) await generator().generate(request({ aspectRatio }).req);
    expect(fake.jobs.map((j) => j.input.image_size)).toEqual(Object.values(sizes));
  });

  it('hands over the request id before waiting, and the result only after', async () => {
    fake.script({ latencyMs: 100 });
    const { req, events } = request();
    await generator().generate(req);

    const id = fake.jobs[0]!.id;
    expect(events[0]).toBe(`submitted:${id}`);
    expect(events[1]).toBe('results-fetched-before:0');
    expect(stages()[0]).toBe('submit');
    expect(stages().filter((s) => s !== 'file').at(-1)).toBe('result');
    expect(stages().at(-1)).toBe('file');
  });

  it('reports queue positions, then generating', async () => {
    fake.script({ queuePositions: [3, 2, 1], latencyMs: 400 });
    const { req, progress } = request();
    await generator().generate(req);

    expect(progress).toEqual([
      { stage: 'QUEUED', position: 3 },
      { stage: 'QUEUED', position: 2 },
      { stage: 'QUEUED', position: 1 },
      { stage: 'GENERATING' },
    ]);
  });
});

describe('fal generator, REFERENCE', () => {
  it('uploads all six normalised references and sends them in slot order to the edit model', async () => {
    const shuffled = [references[5]!, references[4]!, ...references.slice(0, 4).reverse()];
    const { req } = request({ mode: 'REFERENCE', count: 2, aspectRatio: 'RATIO_4_3', references: shuffled });
    const result = await generator().generate(req);

    expect(fake.uploads).toHaveLength(6);
    for (const ref of references) {
      const upload = fake.uploads.find((u) => u.fileName === `${ref.slot.toLowerCase()}.jpg`)!;
      expect(upload.contentType).toBe('image/jpeg');
      expect(upload.bytes!.equals(Buffer.from(ref.reference.bytes))).toBe(true);
    }
    const initiate = fake.requests.find((r) => r.stage === 'initiate')!;
    expect(initiate.host).toBe('rest.fal.ai');
    // fal needs the references only until the model has read them
    expect(JSON.stringify(initiate.headers) + JSON.stringify(initiate.body)).toMatch(/3600/);
    expect(initiate.path).toBe('/storage/upload/initiate?storage_type=fal-cdn-v3');

    const submit = fake.requests.find((r) => r.stage === 'submit')!;
    expect(submit.path).toBe('/fal-ai/bytedance/seedream/v4/edit');
    expect(submit.body).toMatchObject({
      prompt: req.prompt,
      num_images: 2,
      image_size: pixelSize('RATIO_4_3', 2048),
      enable_safety_checker: true,
    });
    const expectedUrls = references.map((ref) => fake.uploads.find((u) => u.fileName === `${ref.slot.toLowerCase()}.jpg`)!.fileUrl);
    expect(submit.body.image_urls).toEqual(expectedUrls);
    expect(fake.requests.find((r) => r.stage === 'stream')!.path).toMatch(/^\/fal-ai\/bytedance\/requests\//);
    expect(result.images).toHaveLength(2);
    expect(result.warnings).toEqual([]);
  });

  it('sends at most maxReferences, products first, and names the dropped slots', async () => {
    const { req } = request({ mode: 'REFERENCE', references: [...references].reverse() });
    const result = await generator({ maxReferences: 4 }).generate(req);

    expect(fake.uploads.map((u) => u.fileName).sort()).toEqual(['product_1.jpg', 'product_2.jpg', 'product_3.jpg', 'product_4.jpg']);
    expect(fake.jobs[0]!.input.image_urls).toHaveLength(4);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/at most 4 .*FACE, BACKGROUND/);
  });

  it('sends references staged ahead (while the vision model reads) without uploading them again; a failed staging is sent again', async () => {
    const g = generator();
    const signal = new AbortController().signal;
    const staged = new Map<Slot, Promise<string>>();
    for (const reference of references.slice(1)) staged.set(reference.slot, g.stageReference!(reference, signal));
    staged.set(references[0]!.slot, Promise.reject(new Error('the staging upload failed')));
    await Promise.allSettled(staged.values());
    const stagedUploads = fake.uploads.length;
    expect(stagedUploads).toBe(references.length - 1);

    const { req } = request({ mode: 'REFERENCE', references, staged });
    await g.generate(req);

    // Only the one whose staging failed is uploaded by generate.
    expect(fake.uploads.slice(stagedUploads).map((u) => u.fileName)).toEqual([`${references[0]!.slot.toLowerCase()}.jpg`]);
    const urls = fake.jobs[0]!.input.image_urls as string[];
    expect(urls).toHaveLength(references.length);
    for (const reference of references.slice(1)) expect(urls).toContain(await staged.get(reference.slot));
  });
});

describe('fal generator, per model profile', () => {
  it('Seedream v4.5: a frame above its 3.7 MP floor, references capped by its profile, no safety output', async () => {
    const { req } = request({ mode: 'REFERENCE', aspectRatio: 'RATIO_9_16', references });
    const g = generator({ editModel: 'fal-ai/bytedance/seedream/v4.5/edit', maxReferences: undefined });
    expect(g.maxReferences).toBe(10);
    expect(g.models).toEqual({ TEXT_TO_IMAGE: 'fal-ai/flux/schnell', REFERENCE: 'fal-ai/bytedance/seedream/v4.5/edit' });
    const result = await g.generate(req);
    const size = fake.jobs[0]!.input.image_size;
    expect(size.width * size.height).toBeGreaterThanOrEqual(2560 * 1440);
    expect(size.height / size.width).toBeCloseTo(16 / 9, 1);
    expect(result.screened).toBe(false);
  });

  it('Nano Banana 2 edit: an aspect ratio and a resolution instead of a pixel size', async () => {
    const { req } = request({ mode: 'REFERENCE', aspectRatio: 'RATIO_3_4', references: references.slice(0, 2) });
    await generator({ editModel: 'fal-ai/nano-banana-2/edit', maxReferences: undefined }).generate(req);
    expect(fake.jobs[0]!.input).toMatchObject({ aspect_ratio: '3:4', resolution: '2K' });
    expect(fake.jobs[0]!.input.image_size).toBeUndefined();
  });

  it('flux/schnell reports has_nsfw_concepts: its result counts as screened', async () => {
    const result = await generator().generate(request().req);
    expect(result.screened).toBe(true);
  });
});

describe('fal generator, safety filter and errors', () => {
  it('withholds a flagged image with a warning', async () => {
    fake.script({ nsfw: [false, true] });
    const result = await generator().generate(request({ count: 2 }).req);
    expect(result.images).toHaveLength(1);
    expect(result.images[0]!.url).toContain('/0.jpeg');
    expect(result.warnings).toEqual(['1 image withheld by the safety filter']);
  });

  it('fails when every image is flagged', async () => {
    fake.script({ nsfw: [true, true] });
    const failure = generator().generate(request({ count: 2 }).req);
    await expect(failure).rejects.toBeInstanceOf(GenerationError);
    await expect(failure).rejects.toThrow(/every image was withheld by the safety filter/i);
  });

  it('turns a 422 into a user-safe GenerationError and logs the details', async () => {
    fake.script({ faults: [{ at: 'job', status: 422, error: 'image_size too small' }] });
    const { req } = request();
    const error = await generator().generate(req).catch((e) => e);

    expect(error).toBeInstanceOf(GenerationError);
    expect(error.message).not.toMatch(/image_size|422|fal|detail/i);
    expect(error.detail).toMatchObject({ status: 422, requestId: fake.jobs[0]!.id });
    expect(logs).toHaveLength(1);
    expect(logs[0]!.detail).toMatchObject({ requestId: fake.jobs[0]!.id });
    expect(JSON.stringify(logs[0]!.detail.fieldErrors)).toContain('image_size too small');
  });

  it('turns a 422 at submit into the same GenerationError', async () => {
    fake.script({ faults: [{ at: 'submit', status: 422 }] });
    const error = await generator().generate(request().req).catch((e) => e);
    expect(error).toBeInstanceOf(GenerationError);
    expect(error.message).toMatch(/could not accept this request/);
    expect(logs[0]!.message).toMatch(/422/);
  });

  it('turns a failed job into a generic GenerationError', async () => {
    fake.script({ faults: [{ at: 'job', error: 'CUDA out of memory' }] });
    const error = await generator().generate(request().req).catch((e) => e);
    expect(error).toBeInstanceOf(GenerationError);
    expect(error.message).not.toMatch(/CUDA/);
    expect(error.detail).toMatchObject({ status: 500 });
  });

  it('cancels the job when the deadline aborts the wait', async () => {
    fake.script({ latencyMs: 10_000 });
    const controller = new AbortController();
    const { req } = request({ signal: controller.signal });
    const generating = generator().generate(req);
    generating.catch(() => {}); // awaited below
    // The deadline passes while the job runs at fal and the generator waits on it (it has asked for
    // its status), not before there is a job to cancel.
    await vi.waitFor(() => expect(fake.requests.some((r) => r.stage === 'stream')).toBe(true), { timeout: 10_000 });
    controller.abort(new Error('deadline passed'));
    await expect(generating).rejects.toThrow('deadline passed');

    const cancel = fake.requests.find((r) => r.stage === 'cancel')!;
    expect(cancel.method).toBe('PUT');
    expect(cancel.path).toBe(`/fal-ai/flux/requests/${fake.jobs[0]!.id}/cancel`);
    expect(fake.jobs[0]!.cancelled).toBe(true);
  });
});

describe('fal generator, resume', () => {
  // What a previous process left behind: a submitted job and its id.
  const submitElsewhere = async (app: string) => {
    const client = createFalClient({ credentials: KEY, fetch: redirectingFetch(fake.url) });
    const { request_id } = await client.queue.submit(app, { input: { prompt: 'a red sneaker', num_images: 2 } });
    return request_id;
  };

  it('fetches a completed job with a fresh client', async () => {
    const id = await submitElsewhere('fal-ai/flux/schnell');
    const result = await generator().resume!(id, 'TEXT_TO_IMAGE', new AbortController().signal);
    expect(result.images).toHaveLength(2);
    expect(fake.requests.filter((r) => r.stage === 'result').map((r) => r.path)).toEqual([`/fal-ai/flux/requests/${id}`]);
  });

  it('waits on the status stream for a job that is still running', async () => {
    fake.script({ queuePositions: [1, 0], latencyMs: 300 });
    const id = await submitElsewhere('fal-ai/bytedance/seedream/v4/edit');
    const result = await generator().resume!(id, 'REFERENCE', new AbortController().signal);
    expect(result.images).toHaveLength(2);
    expect(fake.requests.filter((r) => r.stage === 'stream')).toHaveLength(1);
    expect(fake.requests.filter((r) => r.stage === 'status')).toEqual([]);
  });

  it.each([
    ['answers 404', { at: 'stream', status: 404 }],
    ['answers 500', { at: 'stream', status: 500 }],
  ] as const)('polls instead when the status stream %s', async (_, fault) => {
    fake.script({ queuePositions: [1, 0], latencyMs: 300, faults: [fault] });
    const id = await submitElsewhere('fal-ai/bytedance/seedream/v4/edit');
    const result = await generator().resume!(id, 'REFERENCE', new AbortController().signal);
    expect(result.images).toHaveLength(2);
    expect(fake.requests.filter((r) => r.stage === 'status').length).toBeGreaterThanOrEqual(3);
  });

  it('reports a failed job as a GenerationError', async () => {
    fake.script({ faults: [{ at: 'job', error: 'runner crashed' }] });
    const id = await submitElsewhere('fal-ai/flux/schnell');
    await expect(generator().resume!(id, 'TEXT_TO_IMAGE', new AbortController().signal)).rejects.toBeInstanceOf(GenerationError);
  });
});

describe('fal fake', () => {
  it('serves a synchronous run on the fal.run host', async () => {
    const client = createFalClient({ credentials: KEY, fetch: redirectingFetch(fake.url) });
    const { data, requestId } = await client.run('fal-ai/flux/schnell', { input: { prompt: 'a mug', image_size: 'landscape_16_9' } });
    expect(fake.requests[0]).toMatchObject({ host: 'fal.run', path: '/fal-ai/flux/schnell', stage: 'run' });
    expect(requestId).toBe(fake.jobs[0]!.id);
    expect(data.images[0]).toMatchObject({ width: 1024, height: 576 });
  });

  it('refuses a wrong key', async () => {
    const client = createFalClient({ credentials: 'wrong', fetch: redirectingFetch(fake.url) });
    await expect(client.queue.submit('fal-ai/flux/schnell', { input: { prompt: 'x' } })).rejects.toMatchObject({ status: 401 });
  });
});
