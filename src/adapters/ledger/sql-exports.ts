// The export rows over the ledger's own SQL connection (public.exports and its functions in
// supabase/migrations/20261205000100_exports.sql), and an export's reservation for the job queue.
// Only maps rows: the rules (whose image, one live job per preset, one debit, one refund) are SQL.
import type { ExportRecord, ExportReservation, ExportStore, ReserveOutcome, Reservation, StoredExport } from '../../studio/ports.js';
import { mapReserve, toDate, toJson, type SqlQuery } from './sql-ledger.js';

export function mapExport(row: Record<string, unknown>): ExportRecord {
  return {
    id: String(row.id),
    userId: String(row.user_id),
    generationId: String(row.generation_id),
    imageIndex: Number(row.image_index),
    preset: row.preset as ExportRecord['preset'],
    status: row.status as ExportRecord['status'],
    cost: Number(row.cost),
    error: (row.error as string | null) ?? null,
    providerRequestId: (row.provider_request_id as string | null) ?? null,
    deadlineAt: toDate(row.deadline_at),
    createdAt: toDate(row.created_at),
    finishedAt: row.finished_at == null ? null : toDate(row.finished_at),
  };
}

/** An export's reservation as SQL, inside the queue's transaction (with the enqueue). */
export async function reserveExportIn(db: SqlQuery, reservation: Reservation): Promise<ReserveOutcome> {
  const r = reservation as ExportReservation;
  const { rows } = await db.query<{ v: unknown }>('select public.reserve_export($1, $2, $3, $4, $5, $6, $7) as v', [
    r.id,
    r.userId,
    r.generationId,
    r.imageIndex,
    r.preset,
    r.cost,
    r.deadlineAt.toISOString(),
  ]);
  return mapReserve(toJson(rows[0]!.v, {}));
}

export class SqlExportStore implements ExportStore {
  constructor(private readonly db: SqlQuery) {}

  private async one(sql: string, params: unknown[]): Promise<ExportRecord | null> {
    const { rows } = await this.db.query(sql, params);
    return rows[0] ? mapExport(rows[0]) : null;
  }

  beginExport(id: string, deadlineAt: Date) {
    return this.one('select * from public.begin_export_run($1, $2)', [id, deadlineAt.toISOString()]);
  }

  exportJob(id: string) {
    return this.one('select * from public.get_export($1)', [id]);
  }

  async completeExport(id: string, made: StoredExport) {
    const { rows } = await this.db.query<{ v: unknown }>('select public.complete_export($1, $2::jsonb) as v', [id, JSON.stringify(made)]);
    return Boolean(rows[0]?.v);
  }

  async failExport(id: string, reason: string, status: 'FAILED' | 'CANCELED' = 'FAILED') {
    const { rows } = await this.db.query<{ v: unknown }>('select public.fail_export($1, $2, $3) as v', [id, reason, status]);
    const r = toJson<Record<string, unknown>>(rows[0]!.v, {});
    return { refunded: Boolean(r.refunded), balance: Number(r.balance) };
  }
}
