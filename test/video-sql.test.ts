// The clip rules as the SQL functions enforce them, on PGlite (races: ledger-postgres.test.ts covers
// the shared profile lock every reservation takes): one debit and one refund per video, idempotency,
// only a finished image of the seller's own, fair use counting batches and clips together, and
// ledger_problems() checking videos.
import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyMigrations } from '../src/adapters/ledger/migrate.js';
import { pgliteRunner } from '../src/adapters/ledger/pglite.js';
import { SqlLedger, type SqlRunner } from '../src/adapters/ledger/sql-ledger.js';
import { reserveVideoIn, SqlVideoStore } from '../src/adapters/ledger/sql-videos.js';
import type { VideoReservation } from '../src/studio/ports.js';
import { expectBooksBalancedAfterEach, reserveRequest } from './helpers/books.js';

let db: SqlRunner;
let ledger: SqlLedger;
let videos: SqlVideoStore;
beforeAll(async () => {
  db = pgliteRunner(await PGlite.create());
  await applyMigrations(db, { authStandIn: true });
  ledger = new SqlLedger(db);
  videos = new SqlVideoStore(db);
});
afterAll(() => ledger.close());
expectBooksBalancedAfterEach(() => ledger);

/** A seller with a finished batch of `images` images (of `count` asked for). */
async function sellerWithBatch(images = 1, count = images) {
  const userId = randomUUID();
  await ledger.ensureProfile(userId);
  const batch = reserveRequest(userId, { count });
  await ledger.reserve(batch);
  await ledger.complete(batch.id, {
    images: Array.from({ length: images }, (_, i) => ({ key: `outputs/${batch.id}/${i + 1}.jpg`, width: 1024, height: 1024, contentType: 'image/jpeg', videoPrompts: [] })),
    warnings: [],
  });
  return { userId, generationId: batch.id };
}

const clip = (userId: string, generationId: string, over: Partial<VideoReservation> = {}): VideoReservation => ({
  kind: 'video',
  id: randomUUID(),
  userId,
  cost: 6,
  idempotencyKey: null,
  requestHash: 'clip-hash',
  deadlineAt: new Date(Date.now() + 60_000),
  generationId,
  imageIndex: 1,
  version: 'A',
  model: 'local',
  prompt: 'a prompt',
  durationSeconds: 6,
  input: { imageKey: `outputs/${generationId}/1.jpg`, imageWidth: 1024, imageHeight: 1024, webhookUrl: null },
  warnings: [],
  ...over,
});
const reserve = (r: VideoReservation) => db.transaction((tx) => reserveVideoIn(tx, r));

describe('reserve_video', () => {
  test('debit, ledger row and video row in one step; refused when short; replay and conflict by key', async () => {
    const { userId, generationId } = await sellerWithBatch();
    const first = clip(userId, generationId, { idempotencyKey: 'k' });
    expect(await reserve(first)).toEqual({ kind: 'reserved', balance: 3 });
    expect(await reserve(clip(userId, generationId, { idempotencyKey: 'k' }))).toEqual({ kind: 'replay', id: first.id });
    expect(await reserve(clip(userId, generationId, { idempotencyKey: 'k', requestHash: 'other' }))).toEqual({ kind: 'idempotency-conflict', id: first.id });
    expect(await reserve(clip(userId, generationId))).toEqual({ kind: 'insufficient', required: 6, balance: 3 });
    const { rows } = await db.query('select kind, delta, video_id, generation_id from public.coin_ledger where user_id = $1 order by id', [userId]);
    expect(rows).toEqual([
      { kind: 'signup', delta: 10, video_id: null, generation_id: null },
      { kind: 'debit', delta: -1, video_id: null, generation_id: generationId },
      { kind: 'debit', delta: -6, video_id: first.id, generation_id: null },
    ]);
    expect(await videos.video(first.id)).toMatchObject({ status: 'QUEUED', cost: 6, generationId, imageIndex: 1, result: null });
  });

  test("only a finished image of the seller's own: another seller's, a missing one, an unfinished batch raise, and nothing is charged", async () => {
    const { userId, generationId } = await sellerWithBatch(1, 2);
    const other = await sellerWithBatch();
    const running = reserveRequest(userId);
    await ledger.reserve(running);
    for (const r of [clip(other.userId, generationId), clip(userId, generationId, { imageIndex: 2 }), clip(userId, running.id)]) {
      await expect(reserve(r)).rejects.toMatchObject({ code: 'P0002' });
    }
    expect(await ledger.balance(userId)).toBe(8);
    expect(await ledger.balance(other.userId)).toBe(9);
    await ledger.fail(running.id, 'done with it');
  });

  test('a ledger row names exactly one job', async () => {
    const { userId, generationId } = await sellerWithBatch();
    const v = clip(userId, generationId);
    await reserve(v);
    await expect(
      db.query(`insert into public.coin_ledger (user_id, delta, kind, generation_id, video_id, balance_after) values ($1, -1, 'debit', $2, $3, 0)`, [userId, generationId, v.id]),
    ).rejects.toMatchObject({ code: '23514' });
    await expect(db.query(`insert into public.coin_ledger (user_id, delta, kind, video_id, balance_after) values ($1, -1, 'debit', $2, 0)`, [userId, v.id])).rejects.toMatchObject({ code: '23505' });
  });
});

describe('settling a video', () => {
  test('fail_video refunds exactly once, however often it is asked; a completed video is not refunded', async () => {
    const { userId, generationId } = await sellerWithBatch();
    const v = clip(userId, generationId, { cost: 3 });
    await reserve(v);
    expect(await videos.beginVideoRun(v.id, new Date(Date.now() + 60_000))).toMatchObject({ status: 'RUNNING' });
    await videos.setVideoProviderRequest(v.id, 'req-1');
    expect(await videos.failVideo(v.id, 'the model failed')).toEqual({ refunded: true, balance: 9 });
    expect(await videos.failVideo(v.id, 'again', 'CANCELED')).toEqual({ refunded: true, balance: 9 });
    expect(await videos.video(v.id)).toMatchObject({ status: 'FAILED', error: 'the model failed', providerRequestId: 'req-1' });
    expect(await videos.completeVideo(v.id, { videoKey: 'k', posterKey: 'p', width: 1, height: 1, hasAudio: false, durationSeconds: 6, warnings: [] })).toBe(false);

    const done = clip(userId, generationId, { cost: 3 });
    await reserve(done);
    expect(await videos.completeVideo(done.id, { videoKey: `outputs/${done.id}/clip.mp4`, posterKey: `outputs/${done.id}/poster.jpg`, width: 720, height: 720, hasAudio: true, durationSeconds: 6, warnings: ['w'] })).toBe(true);
    expect(await videos.failVideo(done.id, 'too late')).toEqual({ refunded: false, balance: 6 });
    expect(await videos.video(done.id)).toMatchObject({ status: 'SUCCEEDED', warnings: ['w'], result: { width: 720, hasAudio: true } });
    expect((await videos.videosOf([generationId])).map((x) => x.id)).toEqual([done.id, v.id]);
  });

  test('ledger_problems() sees a failed video that was not refunded', async () => {
    const { userId, generationId } = await sellerWithBatch();
    const v = clip(userId, generationId);
    await reserve(v);
    await db.query(`update public.videos set status = 'FAILED', finished_at = now() where id = $1`, [v.id]);
    expect(await ledger.problems()).toEqual([{ userId, problem: `video ${v.id} is FAILED with 0 refunds` }]);
    await videos.failVideo(v.id, 'mended');
    expect(await ledger.problems()).toEqual([]);
  });
});

describe('fair use', () => {
  test('batches and clips in progress count together, and so do starts a minute', async () => {
    await ledger.setGenerationLimits({ maxActive: 1, perMinute: null });
    try {
      const { userId, generationId } = await sellerWithBatch();
      await reserve(clip(userId, generationId, { cost: 1 }));
      expect(await ledger.reserve(reserveRequest(userId))).toMatchObject({ kind: 'rate-limited', message: expect.stringMatching(/1 batches or clips in progress/) });
      await expect(reserve(clip(userId, generationId, { cost: 1 }))).rejects.toMatchObject({ hint: 'rate_limited' });
    } finally {
      await ledger.setGenerationLimits({ maxActive: null, perMinute: null });
    }
    await ledger.setGenerationLimits({ maxActive: null, perMinute: 2 });
    try {
      const { userId, generationId } = await sellerWithBatch();
      await reserve(clip(userId, generationId, { cost: 1 }));
      expect(await ledger.reserve(reserveRequest(userId))).toMatchObject({ kind: 'rate-limited', message: expect.stringMatching(/a minute/) });
    } finally {
      await ledger.setGenerationLimits({ maxActive: null, perMinute: null });
    }
  });
});
