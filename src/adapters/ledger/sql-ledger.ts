// The Ledger over any SQL connection (sql.ts) that runs the functions in supabase/migrations; the
// rules themselves live in SQL, the rows are mapped in sql-rows.ts.
import type { Description, GenerationReservation, Ledger, Settlement, StoredImage } from '../../studio/ports.js';
import { isUnknownUser, UnknownUserError } from '../../studio/errors.js';
import { ordinalOf, toJson, type SqlRunner } from './sql.js';
import { failedReserveOutcome, mapCoinEntry, mapGeneration, mapRemake, reserveGenerationIn, type GenerationRow } from './sql-rows.js';

export type { SqlQuery, SqlRunner } from './sql.js';
export { ordinalOf, toDate, toJson } from './sql.js';
export { failedReserveOutcome, mapGeneration, mapReserve, reserveGenerationIn, reserveRemakeIn } from './sql-rows.js';

const refundOutcome = (v: unknown) => {
  const r = toJson<Record<string, unknown>>(v, {});
  return { refunded: Boolean(r.refunded), balance: Number(r.balance) };
};

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
