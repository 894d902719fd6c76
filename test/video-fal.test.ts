// Clips through fal's video endpoints: the real @fal-ai/client against the wire-level fake
// (test/fakes/fal.ts), FAL_BASE_URL as in production, batches from the local generator. The request
// carries image_url (our image, uploaded to fal storage), the prompt and the duration as the model's
// profile wants them; fal's MP4 (index at the end, AAC sound) is stored finished (+faststart) with a
// poster; a 422 (content policy), a status that never answers past the deadline, and a cancel each
// refund once; the webhook says video.finished.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { userIdFor } from '../src/adapters/auth/dev.js';
import type { SqlLedger } from '../src/adapters/ledger/sql-ledger.js';
import type { GenerationEvent } from '../src/studio/ports.js';
import { FAKE_CLIP_SIZE, startFalFake, type FalFake } from './fakes/fal.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { isFastStart, probeMp4 } from './helpers/mp4.js';

const FAL_KEY = 'test-fal-key:secret';
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const GROK = 'xai/grok-imagine-video/image-to-video';
const KLING = 'fal-ai/kling-video/v2.5-turbo/pro/image-to-video';
const BATCH = `mutation { generateImages(input: { count: 1 }) { ... on GenerateImagesSuccess { generation { id images { id url } } } } }`;
const START = `mutation($input: StartVideoInput!) { startVideo(input: $input) {
  __typename ... on Error { message } ... on StartVideoSuccess { remainingCoins video { id status prompt durationSeconds cost warnings model } } } }`;
const VIDEO = `query($id: ID!) { video(id: $id) { id status url posterUrl durationSeconds width height hasAudio cost error warnings finishedAt } }`;
const CANCEL = `mutation($id: ID!) { cancelVideo(input: { id: $id }) { __typename ... on Error { message } ... on CancelVideoSuccess { remainingCoins video { status error } } } }`;

let fal: FalFake;
beforeAll(async () => {
  fal = await startFalFake({ key: FAL_KEY });
});
afterAll(() => fal?.close());
beforeEach(() => fal.reset());

const falEnv = (extra: Record<string, string> = {}) => ({ GENERATOR: 'local', VIDEO: 'fal', FAL_KEY, FAL_BASE_URL: fal.url, ...extra });
const stage = (name: string) => fal.requests.filter((r) => r.stage === name);

function helpers(app: () => TestApp) {
  const gql = (query: string, variables: Record<string, unknown>, token: string) => app().gql(query, variables, { token }).then((r) => r.body);
  return {
    async image(token: string) {
      const body = await gql(BATCH, {}, token);
      return body.data.generateImages.generation.images[0] as { id: string; url: string };
    },
    start: async (token: string, input: Record<string, unknown>) => (await gql(START, { input }, token)).data.startVideo,
    async finished(token: string, id: string, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const video = (await gql(VIDEO, { id }, token)).data.video;
        if (video.finishedAt) return video;
        if (Date.now() > deadline) throw new Error(`video ${id} did not finish: ${JSON.stringify(video)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    balance: async (token: string) => (await gql('{ me { coinsBalance } }', {}, token)).data.me.coinsBalance as number,
    async ledgerKinds(videoId: string) {
      const { rows } = await (app().app.services.ledger as SqlLedger).db.query<{ kind: string }>(
        'select kind from public.coin_ledger where video_id = $1 order by id',
        [videoId],
      );
      return rows.map((r) => r.kind);
    },
    media: (url: string) => app().app.yoga.fetch(url.replace(app().config.publicUrl, 'http://localhost'), {}),
  };
}

describe('Grok Imagine Video on fal (the default model)', () => {
  let t: TestApp;
  let receiver: http.Server;
  let hookUrl: string;
  const hooks: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const h = helpers(() => t);

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        hooks.push({ headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    t = await startTestApp(falEnv({ WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOW_LOOPBACK: 'true' }));
  });
  afterAll(async () => {
    await t?.close();
    receiver?.close();
  });

  test('the request carries image_url, the prompt and the duration; the clip is stored finished, with sound and a poster; charged once; video.finished', async () => {
    fal.script({ latencyMs: 800, queuePositions: [1, 0] });
    const user = 'fal-clip';
    const token = await t.token(user);
    const image = await h.image(token);
    // Progress on the existing events, by the key sent with the request.
    const events: GenerationEvent[] = [];
    const watch = await t.app.services.events.subscribe({ userId: userIdFor(user), idempotencyKey: 'fal-clip-1' });
    const heard = (async () => {
      for await (const event of watch) {
        events.push(event);
        if (event.stage === 'FINISHED') return;
      }
    })();

    const started = await h.start(token, { imageId: image.id, version: 'B', idempotencyKey: 'fal-clip-1', webhookUrl: hookUrl });
    expect(started).toMatchObject({ __typename: 'StartVideoSuccess', remainingCoins: 3, video: { status: 'QUEUED', durationSeconds: 6, cost: 6, model: GROK } });
    expect(started.video.prompt).toMatch(/^6-second video, 1:1 frame: a slow, smooth push-in zoom.*Sound: quiet natural ambience/);
    const video = await h.finished(token, started.video.id);
    await heard;

    // What fal was asked: our own image (uploaded to its storage), the prompt, 6 s, 720p.
    expect(stage('submit')).toHaveLength(1);
    const submitted = stage('submit')[0]!;
    expect(submitted.path).toBe(`/${GROK}`);
    expect(submitted.headers.authorization).toBe(`Key ${FAL_KEY}`);
    expect(submitted.body).toEqual({ prompt: started.video.prompt, image_url: fal.uploads[0]!.fileUrl, duration: 6, resolution: '720p' });
    const ours = new Uint8Array(await (await h.media(image.url)).arrayBuffer());
    expect(new Uint8Array(fal.uploads[0]!.bytes!)).toEqual(ours);
    expect(fal.uploads[0]!.contentType).toBe('image/jpeg');

    expect(video).toMatchObject({ status: 'SUCCEEDED', error: null, hasAudio: true, durationSeconds: 6, ...FAKE_CLIP_SIZE });
    const mp4 = new Uint8Array(await (await h.media(video.url)).arrayBuffer());
    const probed = await probeMp4(mp4);
    expect(probed.video).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', ...FAKE_CLIP_SIZE, frames: 144 });
    expect(probed.audio).toEqual({ codec: 'aac' });
    expect(isFastStart(probed.boxes)).toBe(true);
    const fakeFile = stage('file').find((r) => r.path.endsWith('/output.mp4'));
    expect(fakeFile).toBeDefined();
    const poster = await h.media(video.posterUrl);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');

    expect(events.map((e) => e.stage)).toEqual(expect.arrayContaining(['GENERATING', 'FINISHED']));
    expect(events.at(-1)).toMatchObject({ stage: 'FINISHED', status: 'SUCCEEDED', generationId: video.id });
    expect(await h.balance(token)).toBe(3);
    expect(await h.ledgerKinds(video.id)).toEqual(['debit']);

    const deadline = Date.now() + 30_000;
    while (hooks.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const payload = new Webhook(SECRET).verify(hooks[0]!.body, hooks[0]!.headers as Record<string, string>) as any;
    expect(payload).toMatchObject({ type: 'video.finished', data: { id: video.id, status: 'SUCCEEDED', imageId: image.id, version: 'B', durationSeconds: 6, cost: 6, hasAudio: true } });
    expect(payload.data.url).toMatch(/\/media\/outputs\/.+\/clip\.mp4\?expires=\d+&signature=/);
    expect(hooks[0]!.headers['webhook-id']).toBe(`msg_${video.id}`);
  });

  test('fal refuses the clip (422, content policy): FAILED with the reason, refunded exactly once', async () => {
    fal.script({
      faults: [{ at: 'job', status: 422, body: { detail: [{ loc: ['body', 'prompt'], msg: 'Content policy violation', type: 'content_policy_violation' }] } }],
    });
    const token = await t.token('fal-refused');
    const image = await h.image(token);
    const started = await h.start(token, { imageId: image.id });
    const video = await h.finished(token, started.video.id);
    expect(video).toMatchObject({ status: 'FAILED', url: null, posterUrl: null });
    expect(video.error).toMatch(/refused this image or prompt/);
    expect(await h.balance(token)).toBe(9);
    expect(await h.ledgerKinds(video.id)).toEqual(['debit', 'refund']);
    // Asked to fail it again (a retried job, a second worker): still one refund.
    await (t.app.services.ledger as SqlLedger).db.query("select public.fail_video($1, 'again')", [video.id]);
    expect(await h.ledgerKinds(video.id)).toEqual(['debit', 'refund']);
    expect(await t.app.services.ledger.problems()).toEqual([]);
  });

  test('fal fails the job (500): FAILED, refunded once', async () => {
    fal.script({ faults: [{ at: 'job', status: 500, error: 'GPU fell over' }] });
    const token = await t.token('fal-500');
    const started = await h.start(token, { imageId: (await h.image(token)).id });
    const video = await h.finished(token, started.video.id);
    expect(video.status).toBe('FAILED');
    expect(video.error).toMatch(/failed to make the clip/);
    expect(await h.ledgerKinds(video.id)).toEqual(['debit', 'refund']);
  });

  test('cancelVideo while fal works on it: fal is told to cancel, the coins come back at once', async () => {
    fal.script({ latencyMs: 30_000 });
    const token = await t.token('fal-cancel');
    const started = await h.start(token, { imageId: (await h.image(token)).id });
    const deadline = Date.now() + 30_000;
    while (stage('stream').length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const canceled = (await t.gql(CANCEL, { id: started.video.id }, { token })).body.data.cancelVideo;
    expect(canceled).toMatchObject({ __typename: 'CancelVideoSuccess', remainingCoins: 9, video: { status: 'CANCELED' } });
    while (stage('cancel').length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(stage('cancel')).toHaveLength(1);
    expect(fal.jobs[0]!.cancelled).toBe(true);
    expect(await h.ledgerKinds(started.video.id)).toEqual(['debit', 'refund']);
  });
});

describe('Kling 2.5 Turbo on fal, with a short deadline', () => {
  let t: TestApp;
  const h = helpers(() => t);
  beforeAll(async () => {
    t = await startTestApp(falEnv({ VIDEO_MODEL: KLING, VIDEO_DEADLINE_MS: '3000' }));
  });
  afterAll(() => t?.close());

  test("a model that makes 5 or 10 s gets the nearest (5), said in a warning, priced by it; its input as the profile says", async () => {
    const token = await t.token('kling');
    const started = await h.start(token, { imageId: (await h.image(token)).id, version: 'A' });
    expect(started.video).toMatchObject({ durationSeconds: 5, cost: 5, model: KLING, warnings: [expect.stringMatching(/5 or 10-second clips: this one is 5 seconds, not 6/)] });
    expect(started.video.prompt).toMatch(/^5-second video/);
    expect(started.video.prompt).not.toMatch(/Sound:/);
    const video = await h.finished(token, started.video.id);
    expect(video).toMatchObject({ status: 'SUCCEEDED', hasAudio: false, durationSeconds: 5 });
    expect(stage('submit')[0]!.body).toMatchObject({ duration: '5', negative_prompt: expect.stringMatching(/deformed product/), cfg_scale: 0.5 });
    expect(stage('submit')[0]!.body).not.toHaveProperty('resolution');
    const quote = await t.gql('{ videoQuote { coins durationSeconds model } }');
    expect(quote.body.data.videoQuote).toEqual({ coins: 5, durationSeconds: 5, model: KLING });
    const refused = await h.start(token, { imageId: (await h.image(token)).id, durationSeconds: 12 });
    expect(refused).toMatchObject({ __typename: 'InvalidInputError', message: expect.stringMatching(/5 or 10 seconds/) });
  });

  test('fal never answers the status past the deadline: the fal job is cancelled, the clip FAILED and refunded once', async () => {
    fal.script({ faults: [{ at: 'stream', hang: true }] });
    const token = await t.token('kling-timeout');
    const started = await h.start(token, { imageId: (await h.image(token)).id });
    const video = await h.finished(token, started.video.id);
    expect(video.status).toBe('FAILED');
    expect(video.error).toMatch(/took too long/);
    expect(stage('cancel')).toHaveLength(1);
    expect(await h.ledgerKinds(video.id)).toEqual(['debit', 'refund']);
    expect(await h.balance(token)).toBe(9);
  });
});
