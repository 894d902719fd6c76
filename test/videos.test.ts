// Clips on the offline default (PGlite, the local generator, the local video maker: the project's own
// FFmpeg): a batch, then startVideo on one of its images ends with a real H.264 MP4 and a poster
// behind signed URLs, charged once; the MP4 checked by ffprobe. Bad input (someone else's image, a
// failed batch, a withheld image, a length or prompt the model cannot take) is a typed error and
// costs nothing.
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { userIdFor } from '../src/adapters/auth/dev.js';
import type { SqlLedger } from '../src/adapters/ledger/sql-ledger.js';
import { frameFor } from '../src/adapters/video/local.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { isFastStart, probeMp4 } from './helpers/mp4.js';
import { reserveRequest } from './helpers/books.js';

const BATCH = `mutation($input: GenerateImagesInput!) { generateImages(input: $input) {
  __typename ... on GenerateImagesSuccess { remainingCoins generation { id images { id width height } } } } }`;
const START = `mutation($input: StartVideoInput!) { startVideo(input: $input) {
  __typename
  ... on Error { message }
  ... on InvalidInputError { field }
  ... on InsufficientCoinsError { required balance }
  ... on StartVideoSuccess { remainingCoins video { id status imageId version prompt durationSeconds cost model warnings } } } }`;
const VIDEO = `query($id: ID!) { video(id: $id) {
  id status imageId version prompt url posterUrl durationSeconds width height hasAudio model cost warnings error createdAt finishedAt } }`;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const ledger = () => t.app.services.ledger as SqlLedger;

async function batch(token: string, count = 2, options: Record<string, unknown> = {}) {
  const { body } = await t.gql(BATCH, { input: { count, options } }, { token });
  expect(body.data.generateImages.__typename).toBe('GenerateImagesSuccess');
  return body.data.generateImages.generation as { id: string; images: Array<{ id: string; width: number; height: number }> };
}

async function finished(token: string, id: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { body } = await t.gql(VIDEO, { id }, { token });
    const video = body.data.video;
    if (video.finishedAt) return video;
    if (Date.now() > deadline) throw new Error(`video ${id} did not finish: ${JSON.stringify(video)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const fetchMedia = (url: string, init: RequestInit = {}) => t.app.yoga.fetch(url.replace(t.config.publicUrl, 'http://localhost'), init);
const balance = async (token: string) => (await t.gql('{ me { coinsBalance } }', {}, { token })).body.data.me.coinsBalance as number;

describe('a clip from a batch, offline', () => {
  test('startVideo (B) on an image of a batch: a playable 6 s H.264 MP4 and a poster behind signed URLs, charged once', async () => {
    const token = await t.token('clip-b');
    const generation = await batch(token, 2, { aspectRatio: '9:16' });
    const image = generation.images[1]!;
    expect(image.id).toBe(`${generation.id}:2`);

    const started = await t.gql(START, { input: { imageId: image.id, version: 'B' } }, { token });
    const success = started.body.data.startVideo;
    expect(success).toMatchObject({
      __typename: 'StartVideoSuccess',
      remainingCoins: 3,
      video: { status: 'QUEUED', imageId: image.id, version: 'B', durationSeconds: 6, cost: 6, model: 'local', warnings: [] },
    });
    expect(success.video.prompt).toMatch(/^6-second video, 9:16 frame: a slow, smooth push-in zoom/);

    const video = await finished(token, success.video.id);
    const size = frameFor(image.width, image.height, '720p');
    expect(video).toMatchObject({ status: 'SUCCEEDED', error: null, hasAudio: false, durationSeconds: 6, ...size });
    expect(size).toEqual({ width: 720, height: 1280 });

    const response = await fetchMedia(video.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp4');
    expect(response.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    const mp4 = new Uint8Array(await response.arrayBuffer());
    const probed = await probeMp4(mp4);
    expect(probed.format).toContain('mp4');
    expect(probed.video).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: 720, height: 1280, frames: 144 });
    expect(probed.durationSeconds).toBeCloseTo(6, 1);
    expect(probed.audio).toBeNull();
    expect(isFastStart(probed.boxes)).toBe(true);

    const poster = await fetchMedia(video.posterUrl);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');
    expect(await sharp(Buffer.from(await poster.arrayBuffer())).metadata()).toMatchObject({ format: 'jpeg', width: 720, height: 1280 });

    // Links are signed: without the signature, nothing.
    expect((await fetchMedia(video.url.split('?')[0])).status).toBe(403);

    // One debit for the clip, after the batch's; the image lists its clip.
    expect(await balance(token)).toBe(3);
    const history = await t.gql('{ me { coinHistory(first: 5) { edges { node { kind delta generationId videoId } } } } }', {}, { token });
    expect(history.body.data.me.coinHistory.edges.map((e: any) => e.node)).toEqual([
      { kind: 'DEBIT', delta: -6, generationId: null, videoId: video.id },
      { kind: 'DEBIT', delta: -1, generationId: generation.id, videoId: null },
      { kind: 'SIGNUP', delta: 10, generationId: null, videoId: null },
    ]);
    const listed = await t.gql('query($id: ID!) { generation(id: $id) { images { id videos { id status } } } }', { id: generation.id }, { token });
    expect(listed.body.data.generation.images).toEqual([
      { id: `${generation.id}:1`, videos: [] },
      { id: image.id, videos: [{ id: video.id, status: 'SUCCEEDED' }] },
    ]);
    expect(await ledger().problems()).toEqual([]);
  });

  test('version A (a gentle drift) is a real 6 s clip too; the player can ask for a byte range', async () => {
    const token = await t.token('clip-a');
    const generation = await batch(token, 1);
    const started = await t.gql(START, { input: { imageId: generation.images[0]!.id } }, { token });
    expect(started.body.data.startVideo.video).toMatchObject({ version: 'A', status: 'QUEUED' });
    expect(started.body.data.startVideo.video.prompt).toMatch(/Stable locked-off camera/);
    const video = await finished(token, started.body.data.startVideo.video.id);
    expect(video).toMatchObject({ status: 'SUCCEEDED', width: 720, height: 720 });

    const whole = new Uint8Array(await (await fetchMedia(video.url)).arrayBuffer());
    const probed = await probeMp4(whole);
    expect(probed.video).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', frames: 144 });
    expect(probed.durationSeconds).toBeCloseTo(6, 1);
    const part = await fetchMedia(video.url, { headers: { range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-99/${whole.byteLength}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(whole.subarray(0, 100));
    expect((await fetchMedia(video.url, { headers: { range: `bytes=${whole.byteLength}-` } })).status).toBe(416);
  });

  test('the same idempotencyKey returns the same video and charges once; a different request with it conflicts', async () => {
    const token = await t.token('clip-key');
    const generation = await batch(token, 1);
    const input = { imageId: generation.images[0]!.id, version: 'B', idempotencyKey: 'clip-key-1' };
    const first = (await t.gql(START, { input }, { token })).body.data.startVideo;
    const again = (await t.gql(START, { input }, { token })).body.data.startVideo;
    expect(again.video.id).toBe(first.video.id);
    const other = (await t.gql(START, { input: { ...input, version: 'A' } }, { token })).body.data.startVideo;
    expect(other).toMatchObject({ __typename: 'InvalidInputError', field: 'idempotencyKey' });
    await finished(token, first.video.id);
    expect(await balance(token)).toBe(3);
  });

  test('not enough coins: InsufficientCoinsError, nothing charged', async () => {
    const token = await t.token('clip-poor');
    const generation = await batch(token, 1);
    const first = (await t.gql(START, { input: { imageId: generation.images[0]!.id } }, { token })).body.data.startVideo;
    expect(first.__typename).toBe('StartVideoSuccess');
    const second = (await t.gql(START, { input: { imageId: generation.images[0]!.id } }, { token })).body.data.startVideo;
    expect(second).toMatchObject({ __typename: 'InsufficientCoinsError', required: 6, balance: 3 });
    await finished(token, first.video.id);
    expect(await balance(token)).toBe(3);
  });
});

describe('bad input costs nothing', () => {
  test("another seller's image, a made-up id and garbage are the same 'not found'; nothing is revealed or charged", async () => {
    const owner = await t.token('clip-owner');
    const other = await t.token('clip-other');
    const generation = await batch(owner, 1);
    const answers = [];
    for (const imageId of [generation.images[0]!.id, `${randomUUID()}:1`, 'not-an-image', `${generation.id}:9`]) {
      answers.push((await t.gql(START, { input: { imageId } }, { token: other })).body.data.startVideo);
    }
    for (const answer of answers) expect(answer).toEqual({ __typename: 'InvalidInputError', message: 'No such image.', field: 'imageId' });
    expect(await balance(other)).toBe(10);
    // Nor can the other seller read the owner's videos.
    const mine = (await t.gql(START, { input: { imageId: generation.images[0]!.id } }, { token: owner })).body.data.startVideo;
    expect((await t.gql(VIDEO, { id: mine.video.id }, { token: other })).body.data.video).toBeNull();
    await finished(owner, mine.video.id);
  });

  test('an image whose batch failed, or that was withheld: InvalidInputError, nothing charged', async () => {
    const user = 'clip-withheld';
    const token = await t.token(user);
    const userId = userIdFor(user);
    await t.gql('{ me { id } }', {}, { token });
    // A batch of two whose second image was withheld, and a batch that failed (refunded).
    const partial = reserveRequest(userId, { count: 2 });
    await ledger().reserve(partial);
    await ledger().complete(partial.id, {
      images: [{ key: `outputs/${partial.id}/1.jpg`, width: 1024, height: 1024, contentType: 'image/jpeg', videoPrompts: [] }],
      warnings: ['1 image withheld by the safety filter'],
    });
    const failed = reserveRequest(userId);
    await ledger().reserve(failed);
    await ledger().fail(failed.id, 'The image service failed.');
    const before = await balance(token);

    const withheld = (await t.gql(START, { input: { imageId: `${partial.id}:2` } }, { token })).body.data.startVideo;
    expect(withheld).toMatchObject({ __typename: 'InvalidInputError', field: 'imageId', message: expect.stringMatching(/withheld/) });
    const broken = (await t.gql(START, { input: { imageId: `${failed.id}:1` } }, { token })).body.data.startVideo;
    expect(broken).toMatchObject({ __typename: 'InvalidInputError', field: 'imageId', message: expect.stringMatching(/failed/) });
    expect(await balance(token)).toBe(before);
  });

  test('a length the model cannot make, or a prompt over its limit: InvalidInputError naming the field, nothing charged', async () => {
    const token = await t.token('clip-limits');
    const generation = await batch(token, 1);
    const imageId = generation.images[0]!.id;
    for (const durationSeconds of [0, 16, 60]) {
      const answer = (await t.gql(START, { input: { imageId, durationSeconds } }, { token })).body.data.startVideo;
      expect(answer, String(durationSeconds)).toMatchObject({ __typename: 'InvalidInputError', field: 'durationSeconds', message: expect.stringMatching(/1 to 15 seconds/) });
    }
    const long = (await t.gql(START, { input: { imageId, prompt: 'x'.repeat(4097) } }, { token })).body.data.startVideo;
    expect(long).toMatchObject({ __typename: 'InvalidInputError', field: 'prompt', message: 'prompt is limited to 4096 characters.' });
    const nul = (await t.gql(START, { input: { imageId, prompt: 'a\u0000b' } }, { token })).body.data.startVideo;
    expect(nul).toMatchObject({ __typename: 'InvalidInputError', field: 'prompt' });
    expect(await balance(token)).toBe(9);
  });

  test("a seller's own prompt and length are used as given; videoQuote prices them", async () => {
    const token = await t.token('clip-own');
    const generation = await batch(token, 1);
    const quote = await t.gql('{ videoQuote(durationSeconds: 3) { coins durationSeconds model } }');
    expect(quote.body.data.videoQuote).toEqual({ coins: 3, durationSeconds: 3, model: 'local' });
    const own = 'Produk berputar pelan di atas meja kayu.';
    const started = (await t.gql(START, { input: { imageId: generation.images[0]!.id, prompt: own, durationSeconds: 3 } }, { token })).body.data.startVideo;
    expect(started.video).toMatchObject({ prompt: own, durationSeconds: 3, cost: 3 });
    const video = await finished(token, started.video.id);
    const probed = await probeMp4(new Uint8Array(await (await fetchMedia(video.url)).arrayBuffer()));
    expect(probed.durationSeconds).toBeCloseTo(3, 1);
    expect(await balance(token)).toBe(6);
  });

  test('cancelVideo of a finished clip is an InvalidInputError; of someone else\'s, not found', async () => {
    const token = await t.token('clip-cancel');
    const generation = await batch(token, 1);
    const started = (await t.gql(START, { input: { imageId: generation.images[0]!.id } }, { token })).body.data.startVideo;
    await finished(token, started.video.id);
    const CANCEL = `mutation($id: ID!) { cancelVideo(input: { id: $id }) { __typename ... on Error { message } ... on CancelVideoSuccess { video { status } } } }`;
    const late = (await t.gql(CANCEL, { id: started.video.id }, { token })).body.data.cancelVideo;
    expect(late).toMatchObject({ __typename: 'InvalidInputError', message: expect.stringMatching(/already finished/) });
    const stranger = (await t.gql(CANCEL, { id: started.video.id }, { token: await t.token('clip-stranger') })).body.data.cancelVideo;
    expect(stranger).toMatchObject({ __typename: 'InvalidInputError', message: 'No such video.' });
  });
});
