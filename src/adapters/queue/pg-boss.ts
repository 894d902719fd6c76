// The job queue on pg-boss, in the ledger's own database: real Postgres (pg-boss's own pool, with
// LISTEN/NOTIFY so an idle worker starts a job the moment it is committed) or the embedded PGlite
// (through pg-boss's PGlite adapter, which notifies in process). Why pg-boss: it needs nothing but
// Postgres, runs on PGlite, takes a `db` per call so the enqueue joins the reservation's transaction,
// and has what a paid job needs: retry with backoff, heartbeats to notice a dead worker, expiry, and
// a dead-letter queue for a job that ran out of attempts.
import type { PGlite } from '@electric-sql/pglite';
import { fromPglite, PgBoss, type ConstructorOptions, type Job } from 'pg-boss';
import type { GenerationJob, JobAttempt, JobQueue, Logger, ReserveOutcome, ReserveRequest, WebhookDelivery } from '../../studio/ports.js';
import { failedReserveOutcome, reserveIn, type SqlQuery, type SqlRunner } from '../ledger/sql-ledger.js';

export const GENERATION_QUEUE = 'generation';
/** where a generation's job goes once every attempt died with its worker: settled (resumed or refunded) there */
export const ABANDONED_QUEUE = 'generation-abandoned';
export const WEBHOOK_QUEUE = 'generation-webhook';

export interface PgBossQueueOptions {
  /** the ledger's connection: the reservation and the enqueue share its transaction */
  sql: SqlRunner;
  connection: { kind: 'pglite'; pglite: PGlite } | { kind: 'postgres'; url: string; poolMax: number };
  /** GENERATION_DEADLINE_MS: a job active longer than this (plus a margin) has expired */
  deadlineMs: number;
  log: Logger;
}

// A worker's heartbeat every 5 s; one silent for 10 s is taken as dead and its job retried. The
// monitor that notices runs every few seconds on each instance.
const HEARTBEAT_SECONDS = 10;
const SUPERVISE_SECONDS = 5;
const RETRY_LIMIT = 2;

const asDb = (tx: SqlQuery) => ({ executeSql: (text: string, values?: unknown[]) => tx.query(text, values) });

export async function openPgBossQueue(options: PgBossQueueOptions): Promise<JobQueue> {
  const { sql, connection, log } = options;
  const common: ConstructorOptions = {
    useListenNotify: true,
    schedule: false,
    superviseIntervalSeconds: SUPERVISE_SECONDS,
    monitorIntervalSeconds: SUPERVISE_SECONDS,
    registerInstance: false,
    openTelemetry: { enabled: false },
  };
  const boss = new PgBoss(
    connection.kind === 'pglite'
      ? { ...common, db: fromPglite(connection.pglite), backend: 'pglite' }
      : { ...common, connectionString: connection.url, max: Math.max(2, Math.min(connection.poolMax, 4)), application_name: 'etalase-queue' },
  );
  boss.on('error', (error) => log.error('job queue error', { error: String(error) }));
  boss.on('warning', (warning) => log.warn('job queue warning', { warning: JSON.stringify(warning) }));
  await boss.start();

  const expireInSeconds = Math.ceil(options.deadlineMs / 1000) + 60;
  await boss.createQueue(ABANDONED_QUEUE, { retryLimit: 5, retryDelay: 5, retryBackoff: true, expireInSeconds });
  // A receiver that is down gets the call again for about an hour: 5 s, 10 s, 20 s … at most 10 min apart.
  await boss.createQueue(WEBHOOK_QUEUE, { retryLimit: 10, retryDelay: 5, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 60 });
  await boss.createQueue(GENERATION_QUEUE, {
    notify: true,
    retryLimit: RETRY_LIMIT,
    retryDelay: 1,
    retryBackoff: true,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    expireInSeconds,
    deadLetter: ABANDONED_QUEUE,
  });

  const queued = `j.name = '${GENERATION_QUEUE}' and j.state = 'created'`;
  type PositionRow = { generation_id: string; user_id: string; idempotency_key: string | null; queue_position: number };
  const toJob = (r: PositionRow) => ({ generationId: r.generation_id, userId: r.user_id, idempotencyKey: r.idempotency_key, position: r.queue_position });

  return {
    async reserveAndEnqueue(request: ReserveRequest, job: GenerationJob) {
      // A fair-use refusal is raised inside the transaction (a trigger), which rolls it back whole.
      return sql.transaction(async (tx) => {
        const outcome: ReserveOutcome = await reserveIn(tx, request);
        if (outcome.kind !== 'reserved') return { outcome, position: null };
        // The job id is the generation id: pg-boss's primary key makes it one job per generation.
        await boss.send(GENERATION_QUEUE, { ...job }, { id: job.generationId, db: asDb(tx) });
        const { rows } = await tx.query<PositionRow>('select * from public.report_queue_positions($1)', [job.generationId]);
        return { outcome, position: rows[0]?.queue_position ?? null };
      }).catch((error: unknown) => ({ outcome: failedReserveOutcome(error, request.userId), position: null }));
    },

    async position(generationId) {
      const { rows } = await sql.query<PositionRow>('select * from public.report_queue_positions($1)', [generationId]);
      return rows[0]?.queue_position ?? null;
    },

    async waiting(limit) {
      const { rows } = await sql.query<PositionRow>('select * from public.report_queue_positions(null, $1)', [limit]);
      return rows.map(toJob).sort((a, b) => a.position - b.position);
    },

    async remove(generationId) {
      const { rows } = await sql.query<{ id: string }>(
        `update pgboss.job j set state = 'cancelled', completed_on = now() where ${queued} and j.id = $1 returning j.id`,
        [generationId],
      );
      return rows.length > 0;
    },

    async work(concurrency, handler) {
      if (concurrency <= 0) return;
      let workerId: string | null = null;
      const retryCount = (job: Job<GenerationJob>) => (job as Job<GenerationJob> & { retryCount?: number }).retryCount ?? 0;
      const run = (final: (job: Job<GenerationJob>) => boolean) => async (jobs: Job<GenerationJob>[]) => {
        try {
          for (const job of jobs) await handler(job.data, { retryCount: retryCount(job), final: final(job) } satisfies JobAttempt);
        } finally {
          // NOTIFY wakes workers only when a job is created: one that has just finished a job looks
          // for the next at once instead of waiting out its backstop poll.
          if (workerId) setImmediate(() => boss.notifyWorker(workerId!));
        }
      };
      workerId = await boss.work<GenerationJob>(
        GENERATION_QUEUE,
        { localConcurrency: concurrency, includeMetadata: true, pollingIntervalSeconds: 2, notifyPollingIntervalSeconds: 5 },
        run((job) => retryCount(job) >= RETRY_LIMIT),
      );
      await boss.work<GenerationJob>(ABANDONED_QUEUE, { localConcurrency: 1, pollingIntervalSeconds: 5, includeMetadata: true }, run(() => true));
    },

    async enqueueWebhook(delivery) {
      // One call per generation: the job id is the generation id.
      await boss.send(WEBHOOK_QUEUE, { ...delivery }, { id: delivery.generationId });
    },

    async workWebhooks(concurrency, handler) {
      if (concurrency <= 0) return;
      await boss.work<WebhookDelivery>(WEBHOOK_QUEUE, { localConcurrency: concurrency, pollingIntervalSeconds: 1 }, async (jobs) => {
        for (const job of jobs) await handler(job.data);
      });
    },

    async close(graceMs = 25_000) {
      await boss.stop({ graceful: graceMs > 0, timeout: Math.max(graceMs, 1), close: true });
    },
  };
}
