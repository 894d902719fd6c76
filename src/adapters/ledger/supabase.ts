// The Ledger on a Supabase project through its Data API (PostgREST), with the service role key. It
// calls the same SQL functions as SqlLedger, by name with named arguments, so every money rule is
// still enforced in the database. The Supabase CLI applies the migrations (`supabase db push`); this
// adapter never does.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import ws from 'ws';
import type { Description, Ledger, ReserveRequest, Settlement } from '../../studio/ports.js';
import { mapCoinEntry, mapGeneration, mapReserve, ordinalOf, failedReserveOutcome, reserveArgs, type GenerationRow } from './sql-ledger.js';
import { isUnknownUser, UnknownUserError } from '../../studio/errors.js';

export interface SupabaseLedgerConfig {
  url: string;
  serviceRoleKey: string;
}

export interface SupabaseLedgerOptions {
  /** per call; supabase-js has no timeout of its own, and a hung request would hold a generation */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** A failed call, with PostgREST's fields (the SQLSTATE or a PGRST code) kept for logs and tests. */
export class SupabaseRpcError extends Error {
  constructor(
    readonly fn: string,
    readonly code: string | undefined,
    readonly reason: string,
    readonly details: string | null = null,
    readonly hint: string | null = null,
  ) {
    super(`${fn}: ${reason}${code ? ` (${code})` : ''}`);
    this.name = 'SupabaseRpcError';
  }
}

export function openSupabaseLedger(config: SupabaseLedgerConfig, options: SupabaseLedgerOptions = {}): Ledger {
  const baseFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const client: SupabaseClient = createClient(config.url, config.serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    // Node 20 has no global WebSocket and createClient throws without a transport, even unused.
    realtime: { transport: ws as never },
    global: {
      fetch: (input, init) => {
        const timeout = AbortSignal.timeout(timeoutMs);
        const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
        return baseFetch(input, { ...init, signal });
      },
    },
  });

  async function call<T>(fn: string, args: Record<string, unknown>): Promise<T> {
    let result;
    try {
      result = await client.rpc(fn, args);
    } catch (error) {
      throw new SupabaseRpcError(fn, undefined, error instanceof Error ? error.message : String(error));
    }
    const { data, error } = result;
    if (error) throw new SupabaseRpcError(fn, error.code, error.message, error.details ?? null, error.hint ?? null);
    return data as T;
  }

  return {
    async setSignupCoins(coins: number) {
      await call('set_signup_coins', { p_coins: coins });
    },

    async ensureProfile(userId: string) {
      try {
        return Number(await call('ensure_profile', { p_user: userId }));
      } catch (error) {
        throw isUnknownUser(error) ? new UnknownUserError(userId) : error;
      }
    },

    async balance(userId: string) {
      return Number((await call<number | null>('get_balance', { p_user: userId })) ?? 0);
    },

    async reserve(request: ReserveRequest) {
      try {
        return mapReserve(await call<Record<string, unknown>>('reserve_generation', reserveArgs(request)));
      } catch (error) {
        return failedReserveOutcome(error, request.userId);
      }
    },

    async setGenerationLimits(limits: { maxActive: number | null; perMinute: number | null }) {
      await call('set_generation_limits', { p_max_active: limits.maxActive, p_per_minute: limits.perMinute });
    },

    async spendQueryBudget(subject: string, cost: number, limit: number) {
      return Number(await call('spend_query_budget', { p_subject: subject, p_cost: cost, p_limit: limit }));
    },

    async acquireSubscriptionLease(leaseId: string, userId: string, max: number, ttlSeconds: number) {
      return Boolean(
        await call('acquire_subscription_lease', { p_id: leaseId, p_user: userId, p_max: max, p_ttl_seconds: ttlSeconds }),
      );
    },

    async releaseSubscriptionLease(leaseId: string) {
      await call('release_subscription_lease', { p_id: leaseId });
    },

    async recordPrompt(generationId: string, descriptions: Description[], enhancedPrompt: string, warnings: string[]) {
      await call('record_prompt', {
        p_generation: generationId,
        p_descriptions: descriptions,
        p_enhanced_prompt: enhancedPrompt,
        p_warnings: warnings,
      });
    },

    async setProviderRequest(generationId: string, providerRequestId: string) {
      await call('set_provider_request', { p_generation: generationId, p_request_id: providerRequestId });
    },

    async complete(generationId: string, settlement: Settlement) {
      return Boolean(
        await call('complete_generation', {
          p_generation: generationId,
          p_images: settlement.images,
          p_warnings: settlement.warnings,
        }),
      );
    },

    async fail(generationId: string, reason: string, status: 'FAILED' | 'CANCELED' = 'FAILED') {
      const r = await call<Record<string, unknown>>('fail_generation', {
        p_generation: generationId,
        p_reason: reason,
        p_status: status,
      });
      return { refunded: Boolean(r.refunded), balance: Number(r.balance) };
    },

    async beginRun(id: string, deadlineAt: Date) {
      const rows = await call<GenerationRow[] | null>('begin_generation_run', { p_generation: id, p_deadline: deadlineAt.toISOString() });
      return rows?.[0] ? mapGeneration(rows[0]) : null;
    },

    async generation(id: string) {
      const rows = await call<GenerationRow[] | null>('get_generation', { p_generation: id });
      return rows?.[0] ? mapGeneration(rows[0]) : null;
    },

    async generations(userId: string, limit: number, before?: number) {
      const rows = await call<GenerationRow[] | null>('generations_page', { p_user: userId, p_limit: limit, p_before: before ?? null });
      return (rows ?? []).map((row) => ordinalOf(row, mapGeneration));
    },

    async coinHistory(userId: string, limit: number, before?: number) {
      const rows = await call<Array<Record<string, unknown>> | null>('coin_ledger_page', { p_user: userId, p_limit: limit, p_before: before ?? null });
      return (rows ?? []).map((row) => ordinalOf(row, mapCoinEntry));
    },

    async overdue(now: Date) {
      const rows = await call<GenerationRow[] | null>('overdue_generations', { p_now: now.toISOString() });
      return (rows ?? []).map(mapGeneration);
    },

    async grant(userId: string, amount: number, reason: string) {
      return Number(await call('grant_coins', { p_user: userId, p_amount: amount, p_reason: reason }));
    },

    async ledgerSum(userId: string) {
      return Number(await call('ledger_sum', { p_user: userId }));
    },

    async problems() {
      const rows = await call<Array<{ user_id: string; problem: string }> | null>('ledger_problems', {});
      return (rows ?? []).map((r) => ({ userId: r.user_id, problem: r.problem }));
    },

    async get(key: string) {
      return (await call<string | null>('get_description', { p_key: key })) ?? null;
    },

    async put(key: string, text: string) {
      await call('put_description', { p_key: key, p_description: text });
    },

    async close() {
      await client.removeAllChannels();
    },
  };
}
