// PGlite as an SqlRunner, and the start parameters every embedded instance uses.
import { PGlite } from '@electric-sql/pglite';
import type { SqlRunner } from './sql-ledger.js';

export interface PgliteRunner extends SqlRunner {
  /** the instance itself, for pg-boss (one connection: the queue shares it) */
  pglite: PGlite;
}

export function pgliteRunner(pg: PGlite, onClose: () => Promise<void> = async () => {}): PgliteRunner {
  return {
    pglite: pg,
    exec: async (sql) => {
      await pg.exec(sql);
    },
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await pg.query<T>(sql, params)).rows }),
    // PGlite holds its only connection for the whole transaction: nothing else interleaves.
    transaction: (work) =>
      pg.transaction((tx) => work({ query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await tx.query<T>(sql, params)).rows }) })),
    close: async () => {
      await pg.close();
      await onClose();
    },
  };
}

/** PGlite's own start parameters, plus a smaller buffer cache. Postgres' default 128 MB of
 *  shared_buffers lives in the WASM heap, which never shrinks: with it a restarted embedded server
 *  idled at ≈540 MB RSS, with 16 MB at ≈400 (npm run bench -- --only idle). An embedded database
 *  of one seller's batches fits in 16 MB many times over; the OS page cache still holds the files. */
export const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];
