// A throwaway PostgreSQL database for one bench part: made before, dropped after (even on failure).
// The server is ETALASE_BENCH_PG_URL, or ETALASE_TEST_PG_URL, or the machine's local one.
import pg from 'pg';

const ADMIN_URL = process.env.ETALASE_BENCH_PG_URL ?? process.env.ETALASE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function withDatabase<T>(part: string, use: (url: string) => Promise<T>): Promise<T> {
  const name = `etalase_bench_${part}_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  try {
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    return await use(url.toString());
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`).catch(() => {});
    await admin.end();
  }
}
