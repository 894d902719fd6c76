// The catalogue rows over the ledger's own SQL connection (public.catalogs and its functions in
// supabase/migrations/20261205000200_catalogs.sql), and a catalogue's reservation for the job queue.
// Only maps rows: the rules are SQL.
import type { CatalogRecord, CatalogReservation, CatalogStore, Reservation, ReserveOutcome } from '../../studio/ports.js';
import { ordinalOf, toDate, toJson, type SqlQuery } from './sql.js';
import { mapReserve } from './sql-rows.js';

export function mapCatalog(row: Record<string, unknown>): CatalogRecord {
  const items = toJson<Array<{ sku: string; generation_id: string; status: CatalogRecord['items'][number]['status'] }>>(row.items, []);
  return {
    id: String(row.id),
    userId: String(row.user_id),
    status: row.status as CatalogRecord['status'],
    itemCount: Number(row.item_count),
    cost: Number(row.cost),
    refunded: Number(row.refunded ?? 0),
    done: Number(row.done ?? 0),
    failed: Number(row.failed ?? 0),
    canceled: Number(row.canceled ?? 0),
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    webhookUrl: (row.webhook_url as string | null) ?? null,
    items: (items ?? []).map((i) => ({ sku: i.sku, generationId: i.generation_id, status: i.status })),
    createdAt: toDate(row.created_at),
    canceledAt: row.canceled_at == null ? null : toDate(row.canceled_at),
    finishedAt: row.finished_at == null ? null : toDate(row.finished_at),
  };
}

/** A catalogue's reservation as SQL, run inside the queue's transaction with every item's job. */
export async function reserveCatalogIn(db: SqlQuery, reservation: Reservation): Promise<ReserveOutcome> {
  const r = reservation as CatalogReservation;
  const items = r.items.map((i) => ({
    id: i.id,
    sku: i.sku,
    cost: i.cost,
    mode: i.mode,
    count: i.count,
    request_hash: i.requestHash,
    deadline_at: i.deadlineAt.toISOString(),
    input: i.input,
  }));
  const { rows } = await db.query<{ v: unknown }>('select public.reserve_catalog($1, $2, $3, $4, $5, $6::jsonb) as v', [
    r.id,
    r.userId,
    r.idempotencyKey,
    r.requestHash,
    r.webhookUrl,
    JSON.stringify(items),
  ]);
  return mapReserve(toJson(rows[0]!.v, {}));
}

export class SqlCatalogStore implements CatalogStore {
  constructor(private readonly db: SqlQuery) {}

  async catalog(id: string) {
    const { rows } = await this.db.query<{ v: unknown }>('select public.catalog_view($1) as v', [id]);
    const v = toJson<Record<string, unknown> | null>(rows[0]?.v, null);
    return v ? mapCatalog(v) : null;
  }

  async catalogs(userId: string, limit: number, before?: number) {
    const { rows } = await this.db.query<{ v: unknown }>('select v from public.catalogs_page($1, $2, $3) as v', [userId, limit, before ?? null]);
    return rows.map((r) => ordinalOf(toJson(r.v, {}), mapCatalog));
  }

  async settle(id: string) {
    const { rows } = await this.db.query<{ v: boolean }>('select public.settle_catalog($1) as v', [id]);
    return Boolean(rows[0]?.v);
  }

  async cancel(id: string) {
    const { rows } = await this.db.query<{ v: string }>('select v from public.cancel_catalog($1) as v', [id]);
    return rows.map((r) => String(r.v));
  }
}
