// The video rows over the ledger's own SQL connection (public.videos and its functions in
// supabase/migrations), and a video's reservation for the job queue. Only maps rows: the rules are SQL.
import type { ReserveOutcome, Reservation, VideoRecord, VideoReservation, VideoStore } from '../../studio/ports.js';
import { mapReserve, type SqlQuery } from './sql-ledger.js';

const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const toJson = <T>(v: unknown, fallback: T): T => (v == null ? fallback : typeof v === 'string' ? JSON.parse(v) : (v as T));

export function mapVideo(row: Record<string, unknown>): VideoRecord {
  return {
    id: String(row.id),
    userId: String(row.user_id),
    status: row.status as VideoRecord['status'],
    generationId: String(row.generation_id),
    imageIndex: Number(row.image_index),
    version: row.version as VideoRecord['version'],
    model: String(row.model),
    prompt: String(row.prompt),
    durationSeconds: Number(row.duration_seconds),
    cost: Number(row.cost),
    warnings: toJson(row.warnings, []),
    providerRequestId: (row.provider_request_id as string | null) ?? null,
    result:
      row.video_key == null
        ? null
        : {
            videoKey: String(row.video_key),
            posterKey: String(row.poster_key),
            width: Number(row.width),
            height: Number(row.height),
            hasAudio: Boolean(row.has_audio),
          },
    error: (row.error as string | null) ?? null,
    input: toJson(row.input, { imageKey: '', imageWidth: 0, imageHeight: 0, webhookUrl: null }),
    createdAt: toDate(row.created_at),
    finishedAt: row.finished_at == null ? null : toDate(row.finished_at),
    deadlineAt: toDate(row.deadline_at),
  };
}

/** A video's reservation as SQL, inside the caller's transaction (the queue's, with the enqueue). */
export async function reserveVideoIn(db: SqlQuery, reservation: Reservation): Promise<ReserveOutcome> {
  const r = reservation as VideoReservation;
  const { rows } = await db.query<{ v: unknown }>(
    'select public.reserve_video($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14::jsonb) as v',
    [
      r.id,
      r.userId,
      r.generationId,
      r.imageIndex,
      r.version,
      r.model,
      r.prompt,
      r.durationSeconds,
      r.cost,
      r.idempotencyKey,
      r.requestHash,
      r.deadlineAt.toISOString(),
      JSON.stringify(r.input ?? {}),
      JSON.stringify(r.warnings ?? []),
    ],
  );
  return mapReserve(toJson(rows[0]!.v, {}));
}

export class SqlVideoStore implements VideoStore {
  constructor(private readonly db: SqlQuery) {}

  private async one(sql: string, params: unknown[]): Promise<VideoRecord | null> {
    const { rows } = await this.db.query(sql, params);
    return rows[0] ? mapVideo(rows[0]) : null;
  }

  beginVideoRun(videoId: string, deadlineAt: Date) {
    return this.one('select * from public.begin_video_run($1, $2)', [videoId, deadlineAt.toISOString()]);
  }

  async setVideoProviderRequest(videoId: string, providerRequestId: string) {
    await this.db.query('select public.set_video_provider_request($1, $2)', [videoId, providerRequestId]);
  }

  async completeVideo(videoId: string, r: Parameters<VideoStore['completeVideo']>[1]) {
    const { rows } = await this.db.query<{ v: boolean }>(
      'select public.complete_video($1, $2, $3, $4, $5, $6, $7, $8::jsonb) as v',
      [videoId, r.videoKey, r.posterKey, r.width, r.height, r.durationSeconds, r.hasAudio, JSON.stringify(r.warnings)],
    );
    return Boolean(rows[0]?.v);
  }

  async failVideo(videoId: string, reason: string, status: 'FAILED' | 'CANCELED' = 'FAILED') {
    const { rows } = await this.db.query<{ v: unknown }>('select public.fail_video($1, $2, $3) as v', [videoId, reason, status]);
    const r = toJson<Record<string, unknown>>(rows[0]?.v, {});
    return { refunded: Boolean(r.refunded), balance: Number(r.balance) };
  }

  video(id: string) {
    return this.one('select * from public.get_video($1)', [id]);
  }

  async videosOf(generationIds: string[]) {
    if (generationIds.length === 0) return [];
    const { rows } = await this.db.query('select * from public.videos_of_generations($1::uuid[])', [generationIds]);
    return rows.map(mapVideo);
  }
}
