// The Ledger over any SQL connection that runs the functions in supabase/migrations. PGlite and
// node-postgres both hand it a `query`; the rules themselves live in SQL, this file only maps rows.
import type {
  CoinEntry,
  Description,
  GenerationRecord,
  GenerationReservation,
  Ledger,
  Ordinal,
  RemakeRecord,
  RemakeReservation,
  Reservation,
  ReserveOutcome,
  Settlement,
  StoredImage,
} from '../../studio/ports.js';
import { isUnknownUser, rateLimitFrom, UnknownUserError } from '../../studio/errors.js';

export interface SqlQuery {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

export interface SqlRunner extends SqlQuery {
  /** several statements, no parameters (migrations) */
  exec(sql: string): Promise<void>;
  /** `work` on one connection inside BEGIN … COMMIT (ROLLBACK when it throws) */
  transaction<T>(work: (tx: SqlQuery) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A row of public.generations as a driver returns it. */
export type GenerationRow = Record<string, unknown>;

export const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
export const toJson = <T>(v: unknown, fallback: T): T => (v == null ? fallback : typeof v === 'string' ? JSON.parse(v) : (v as T));

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

/** A row of a *_page function: the row's fields plus its ordinal among the user's rows. */
export function ordinalOf<T>(row: Record<string, unknown>, map: (row: Record<string, unknown>) => T): Ordinal<T> {
  return { ordinal: Number(row.ordinal), node: map(row) };
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

const refundOutcome = (v: unknown) => {
  const r = toJson<Record<string, unknown>>(v, {});
  return { refunded: Boolean(r.refunded), balance: Number(r.balance) };
};

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

export class SqlLedger implements Ledger {
  constructor(readonly db: SqlRunner) {}

  private async value<T>(sql: string, params: unknown[]): Promise<T> {
    const { rows } = await this.db.query<{ v: T }>(sql, params);
    return rows[0]!.v;
  }

  async setSignupCoins(coins: number) {
    await this.db.query('select public.set_signup_coins($1)', [coins]);
  }

  async ensureProfile(userId: string) {
    try {
      return Number(await this.value('select public.ensure_profile($1) as v', [userId]));
    } catch (error) {
      throw isUnknownUser(error) ? new UnknownUserError(userId) : error;
    }
  }

  async balance(userId: string) {
    return Number((await this.value('select public.get_balance($1) as v', [userId])) ?? 0);
  }

  /** a reservation without its job: for tests of the SQL rules (the studio reserves through the queue) */
  async reserve(reservation: GenerationReservation) {
    try {
      return await reserveGenerationIn(this.db, reservation);
    } catch (error) {
      return failedReserveOutcome(error, reservation.userId);
    }
  }

  async setGenerationLimits(limits: { maxActive: number | null; perMinute: number | null }) {
    await this.db.query('select public.set_generation_limits($1, $2)', [limits.maxActive, limits.perMinute]);
  }

  async spendQueryBudget(subject: string, cost: number, limit: number) {
    return Number(await this.value('select public.spend_query_budget($1, $2, $3) as v', [subject, cost, limit]));
  }

  async acquireSubscriptionLease(leaseId: string, userId: string, max: number, ttlSeconds: number) {
    return Boolean(
      await this.value('select public.acquire_subscription_lease($1, $2, $3, $4) as v', [leaseId, userId, max, ttlSeconds]),
    );
  }

  async releaseSubscriptionLease(leaseId: string) {
    await this.db.query('select public.release_subscription_lease($1)', [leaseId]);
  }

  async beginRun(generationId: string, deadlineAt: Date) {
    const { rows } = await this.db.query<GenerationRow>('select * from public.begin_generation_run($1, $2)', [
      generationId,
      deadlineAt.toISOString(),
    ]);
    return rows[0] ? mapGeneration(rows[0]) : null;
  }

  async recordPrompt(generationId: string, descriptions: Description[], enhancedPrompt: string, warnings: string[]) {
    await this.db.query('select public.record_prompt($1, $2::jsonb, $3, $4::jsonb)', [
      generationId,
      JSON.stringify(descriptions),
      enhancedPrompt,
      JSON.stringify(warnings),
    ]);
  }

  async setProviderRequest(generationId: string, providerRequestId: string) {
    await this.db.query('select public.set_provider_request($1, $2)', [generationId, providerRequestId]);
  }

  async complete(generationId: string, settlement: Settlement) {
    return Boolean(
      await this.value('select public.complete_generation($1, $2::jsonb, $3::jsonb) as v', [
        generationId,
        JSON.stringify(settlement.images),
        JSON.stringify(settlement.warnings),
      ]),
    );
  }

  async fail(generationId: string, reason: string, status: 'FAILED' | 'CANCELED' = 'FAILED') {
    return refundOutcome(await this.value('select public.fail_generation($1, $2, $3) as v', [generationId, reason, status]));
  }

  async failWithImages(generationId: string, settlement: Settlement, reason: string) {
    return refundOutcome(
      await this.value('select public.fail_generation_with_images($1, $2::jsonb, $3::jsonb, $4) as v', [
        generationId,
        JSON.stringify(settlement.images),
        JSON.stringify(settlement.warnings),
        reason,
      ]),
    );
  }

  async generation(id: string) {
    const { rows } = await this.db.query<GenerationRow>('select * from public.get_generation($1)', [id]);
    return rows[0] ? mapGeneration(rows[0]) : null;
  }

  async generations(userId: string, limit: number, before?: number) {
    const { rows } = await this.db.query<{ v: unknown }>('select v from public.generations_page($1, $2, $3) as v', [userId, limit, before ?? null]);
    return rows.map((r) => ordinalOf(toJson(r.v, {}), mapGeneration));
  }

  async coinHistory(userId: string, limit: number, before?: number) {
    const { rows } = await this.db.query<{ v: unknown }>('select v from public.coin_ledger_page($1, $2, $3) as v', [userId, limit, before ?? null]);
    return rows.map((r) => ordinalOf(toJson(r.v, {}), mapCoinEntry));
  }

  async overdue(now: Date) {
    const { rows } = await this.db.query<GenerationRow>('select * from public.overdue_generations($1)', [now.toISOString()]);
    return rows.map(mapGeneration);
  }

  async grant(userId: string, amount: number, reason: string) {
    return Number(await this.value('select public.grant_coins($1, $2, $3) as v', [userId, amount, reason]));
  }

  async ledgerSum(userId: string) {
    return Number(await this.value('select public.ledger_sum($1) as v', [userId]));
  }

  async problems(): Promise<Array<{ userId: string; problem: string }>> {
    const { rows } = await this.db.query<{ user_id: string; problem: string }>('select * from public.ledger_problems()');
    return rows.map((r) => ({ userId: r.user_id, problem: r.problem }));
  }

  async beginRemake(id: string, deadlineAt: Date) {
    const { rows } = await this.db.query<Record<string, unknown>>('select * from public.begin_remake_run($1, $2)', [id, deadlineAt.toISOString()]);
    return rows[0] ? mapRemake(rows[0]) : null;
  }

  async remake(id: string) {
    const { rows } = await this.db.query<Record<string, unknown>>('select * from public.get_remake($1)', [id]);
    return rows[0] ? mapRemake(rows[0]) : null;
  }

  async setRemakeProviderRequest(id: string, providerRequestId: string) {
    await this.db.query('select public.set_remake_provider_request($1, $2)', [id, providerRequestId]);
  }

  async completeRemake(id: string, image: StoredImage | null) {
    return Boolean(await this.value('select public.complete_remake($1, $2::jsonb) as v', [id, image ? JSON.stringify(image) : null]));
  }

  async failRemake(id: string, reason: string, status: 'FAILED' | 'CANCELED' = 'FAILED') {
    return refundOutcome(await this.value('select public.fail_remake($1, $2, $3) as v', [id, reason, status]));
  }

  async get(key: string) {
    const { rows } = await this.db.query<{ v: string | null }>('select public.get_description($1) as v', [key]);
    return rows[0]?.v ?? null;
  }

  async put(key: string, text: string) {
    await this.db.query('select public.put_description($1, $2)', [key, text]);
  }

  close() {
    return this.db.close();
  }
}
