// What every SQL adapter here shares: a connection that runs the functions in supabase/migrations
// (PGlite and node-postgres both hand one over), and how their values come back.
import type { Ordinal } from '../../studio/ports.js';

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

/** A timestamp as either driver returns it. */
export const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
/** A jsonb value as either driver returns it (PGlite may give text). */
export const toJson = <T>(v: unknown, fallback: T): T => (v == null ? fallback : typeof v === 'string' ? JSON.parse(v) : (v as T));

/** A row of a *_page function: the row's fields plus its ordinal among the user's rows. */
export function ordinalOf<T>(row: Record<string, unknown>, map: (row: Record<string, unknown>) => T): Ordinal<T> {
  return { ordinal: Number(row.ordinal), node: map(row) };
}
