// Rows and reservations as the SQL functions return them, mapped to the studio's types; the rules
// themselves are in SQL (supabase/migrations).
import type { CoinEntry, GenerationRecord, GenerationReservation, RemakeRecord, RemakeReservation, Reservation, ReserveOutcome } from '../../studio/ports.js';
import { isUnknownUser, rateLimitFrom, UnknownUserError } from '../../studio/errors.js';
import { toDate, toJson, type SqlQuery } from './sql.js';

/** A row of public.generations as a driver returns it. */
export type GenerationRow = Record<string, unknown>;

export function mapGeneration(row: GenerationRow): GenerationRecord {
  return {
    id: String(row.id),
    userId: String(row.user_id),
    status: row.status as GenerationRecord['status'],
    mode: row.mode as GenerationRecord['mode'],
    count: Number(row.image_count),
    cost: Number(row.cost),
    descriptions: toJson(row.descriptions, []),
    enhancedPrompt: (row.enhanced_prompt as string | null) ?? null,
    images: toJson(row.images, []),
    warnings: toJson(row.warnings, []),
    providerRequestId: (row.provider_request_id as string | null) ?? null,
    error: (row.error as string | null) ?? null,
    input: toJson(row.input, { options: {}, freeText: null, uploadedSlots: [] } as unknown as GenerationRecord['input']),
    createdAt: toDate(row.created_at),
    finishedAt: row.finished_at == null ? null : toDate(row.finished_at),
    deadlineAt: toDate(row.deadline_at),
    catalogId: (row.catalog_id as string | null) ?? null,
    catalogSku: (row.catalog_sku as string | null) ?? null,
  };
}

export function mapRemake(row: Record<string, unknown>): RemakeRecord {
  return {
    id: String(row.id),
    userId: String(row.user_id),
    generationId: String(row.generation_id),
    imageIndex: Number(row.image_index),
    status: row.status as RemakeRecord['status'],
    error: (row.error as string | null) ?? null,
    providerRequestId: (row.provider_request_id as string | null) ?? null,
    deadlineAt: toDate(row.deadline_at),
    createdAt: toDate(row.created_at),
    finishedAt: row.finished_at == null ? null : toDate(row.finished_at),
  };
}

export function mapCoinEntry(row: Record<string, unknown>): CoinEntry {
  return {
    id: String(row.id),
    delta: Number(row.delta),
    kind: row.kind as CoinEntry['kind'],
    generationId: (row.generation_id as string | null) ?? null,
    topUpId: (row.topup_id as string | null) ?? null,
    videoId: (row.video_id as string | null) ?? null,
    reason: (row.reason as string | null) ?? null,
    balanceAfter: Number(row.balance_after),
    createdAt: toDate(row.created_at),
  };
}

export function mapReserve(result: Record<string, unknown>): ReserveOutcome {
  switch (result.outcome) {
    case 'reserved':
      return { kind: 'reserved', balance: Number(result.balance) };
    case 'replay':
      return { kind: 'replay', id: String(result.generation_id) };
    case 'idempotency_conflict':
      return { kind: 'idempotency-conflict', id: String(result.generation_id) };
    case 'insufficient':
      return { kind: 'insufficient', required: Number(result.required), balance: Number(result.balance) };
    default:
      throw new Error(`reserve_generation returned an unknown outcome: ${JSON.stringify(result)}`);
  }
}

/** A reservation that raised: a fair-use refusal is an outcome; a user unknown to auth (the
 *  reservation makes a missing profile, see supabase/migrations) is UnknownUserError; else a fault. */
export function failedReserveOutcome(error: unknown, userId: string): ReserveOutcome {
  if (isUnknownUser(error)) throw new UnknownUserError(userId);
  const limited = rateLimitFrom(error);
  if (!limited) throw error;
  return { kind: 'rate-limited', message: limited.message, retryAfterSeconds: limited.retryAfterSeconds };
}

/** Arguments of public.reserve_generation, in order. */
function reserveArgs(r: GenerationReservation) {
  return {
    p_generation: r.id,
    p_user: r.userId,
    p_cost: r.cost,
    p_mode: r.mode,
    p_count: r.count,
    p_idempotency_key: r.idempotencyKey,
    p_request_hash: r.requestHash,
    p_deadline: r.deadlineAt.toISOString(),
    p_input: r.input ?? {},
  };
}

/** A generation's reservation as SQL, run inside the caller's transaction (the queue's, with the enqueue). */
export async function reserveGenerationIn(db: SqlQuery, reservation: Reservation): Promise<ReserveOutcome> {
  const a = reserveArgs(reservation as GenerationReservation);
  const { rows } = await db.query<{ v: unknown }>(
    'select public.reserve_generation($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb) as v',
    [a.p_generation, a.p_user, a.p_cost, a.p_mode, a.p_count, a.p_idempotency_key, a.p_request_hash, a.p_deadline, JSON.stringify(a.p_input)],
  );
  return mapReserve(toJson(rows[0]!.v, {}));
}

/** A re-make's reservation (free: a row, no debit), run inside the queue's transaction. */
export async function reserveRemakeIn(db: SqlQuery, reservation: Reservation): Promise<ReserveOutcome> {
  const r = reservation as RemakeReservation;
  const { rows } = await db.query<{ v: unknown }>('select public.reserve_remake($1, $2, $3, $4, $5) as v', [
    r.id,
    r.userId,
    r.generationId,
    r.imageIndex,
    r.deadlineAt.toISOString(),
  ]);
  return mapReserve(toJson(rows[0]!.v, {}));
}
