// The job queue on pg-boss, in the ledger's own database: real Postgres (pg-boss's own pool, with
// LISTEN/NOTIFY so an idle worker starts a job the moment it is committed) or the embedded PGlite
// (through pg-boss's PGlite adapter, which notifies in process). Why pg-boss: it needs nothing but
// Postgres, runs on PGlite, takes a `db` per call so the enqueue joins the reservation's transaction,
// and has what a paid job needs: retry with backoff, heartbeats to notice a dead worker, expiry, and
// a dead-letter queue for a job that ran out of attempts.
import type { PGlite } from '@electric-sql/pglite';
import { fromPglite, PgBoss, type ConstructorOptions, type Job } from 'pg-boss';
import { SHUTDOWN_GRACE_MS, type JobAttempt, type JobQueue, type JobRef, type Logger, type PeriodicJobs, type Reservation, type ReserveOutcome, type WebhookDelivery } from '../../studio/ports.js';
import { failedReserveOutcome, type SqlQuery, type SqlRunner } from '../ledger/sql-ledger.js';
import { createPeriodicJobs } from './periodic.js';

// One queue for every kind of job (a job's data names its kind): one order of service, one position
// count. The names are the ones the first kind gave them; jobs already queued keep running.
export const JOB_QUEUE = 'generation';
/** where a job goes once every attempt died with its worker: settled (resumed or refunded) there */
export const ABANDONED_QUEUE = 'generation-abandoned';
export const WEBHOOK_QUEUE = 'generation-webhook';

/** A kind's reservation as SQL, run inside the enqueue's transaction (adapters/ledger/ has them). */
export type Reserver = (tx: SqlQuery, reservation: Reservation) => Promise<ReserveOutcome>;

export interface PgBossQueueOptions {
  /** the ledger's connection: the reservation and the enqueue share its transaction */
  sql: SqlRunner;
  connection: { kind: 'pglite'; pglite: PGlite } | { kind: 'postgres'; url: string; poolMax: number };
  /** GENERATION_DEADLINE_MS: a job active longer than this (plus a margin) has expired */
  deadlineMs: number;
  /** the SQL reservation of each kind of job */
  reservers: Record<string, Reserver>;
  log: Logger;
  /** at most this many jobs of one seller run at once, across every worker (WORKER_JOBS_PER_SELLER) */
  perSeller?: number | null;
}

// A worker's heartbeat every 5 s; one silent for 10 s is taken as dead and its job retried. The
// monitor that notices runs every few seconds on each instance.
const HEARTBEAT_SECONDS = 10;
const SUPERVISE_SECONDS = 5;
const RETRY_LIMIT = 2;

/** Every job is grouped by its seller: pg-boss's groupConcurrency caps how many of them run at once
 *  across all workers, and skips a capped seller's jobs for the next seller's (fair scheduling). */
const groupOf = (job: JobRef) => ({ id: job.userId });
const asDb = (tx: SqlQuery) => ({ executeSql: (text: string, values?: unknown[]) => tx.query(text, values) });

/** The job queue, and periodic unpaid work on the same pg-boss (stopped when the queue closes). */
export async function openPgBossQueue(options: PgBossQueueOptions): Promise<JobQueue & { periodic: PeriodicJobs }> {
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
  await boss.createQueue(JOB_QUEUE, {
    notify: true,
    retryLimit: RETRY_LIMIT,
    retryDelay: 1,
    retryBackoff: true,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    expireInSeconds,
    deadLetter: ABANDONED_QUEUE,
  });

  const queued = `j.name = '${JOB_QUEUE}' and j.state = 'created'`;
  type PositionRow = { generation_id: string; user_id: string; idempotency_key: string | null; queue_position: number };
  // (Positions are kept on the rows of kinds that report them: generations.)
  const periodic = createPeriodicJobs(boss, log);
  const toJob = (r: PositionRow) => ({ kind: 'generation', id: r.generation_id, userId: r.user_id, idempotencyKey: r.idempotency_key, position: r.queue_position });
  /** A job's data as queued; jobs queued before kinds existed carried `generationId` alone. */
  const refOf = (data: JobRef & { generationId?: string }): JobRef => ({ ...data, kind: data.kind ?? 'generation', id: data.id ?? data.generationId! });

  return {
    periodic,

    async reserveAndEnqueue(reservation: Reservation, job: JobRef) {
      const reserve = options.reservers[reservation.kind];
      if (!reserve) throw new Error(`no reservation for jobs of kind '${reservation.kind}'`);
      // A fair-use refusal is raised inside the transaction (a trigger), which rolls it back whole.
      return sql.transaction(async (tx) => {
        const outcome = await reserve(tx, reservation);
        if (outcome.kind !== 'reserved') return { outcome, position: null };
        // The job id is the row's id: pg-boss's primary key makes it one job per row.
        await boss.send(JOB_QUEUE, { ...job }, { id: job.id, group: groupOf(job), db: asDb(tx) });
        const { rows } = await tx.query<PositionRow>('select * from public.report_queue_positions($1)', [job.id]);
        return { outcome, position: rows[0]?.queue_position ?? null };
      }).catch((error: unknown) => ({ outcome: failedReserveOutcome(error, reservation.userId), position: null }));
    },

    async reserveAndEnqueueAll(reservation: Reservation, jobs: JobRef[]) {
      const reserve = options.reservers[reservation.kind];
      if (!reserve) throw new Error(`no reservation for jobs of kind '${reservation.kind}'`);
      return sql
        .transaction(async (tx) => {
          const outcome = await reserve(tx, reservation);
          if (outcome.kind !== 'reserved') return { outcome };
          await boss.insert(JOB_QUEUE, jobs.map((job) => ({ id: job.id, data: { ...job }, group: groupOf(job) })), { db: asDb(tx) });
          return { outcome };
        })
        .catch((error: unknown) => ({ outcome: failedReserveOutcome(error, reservation.userId) }));
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
      // pg-boss checks a seller's cap in each fetch on its own: two workers fetching at once can both
      // take the seller's last slot. So every claimed job of a capped seller is checked again, one
      // check at a time per seller (a transaction-scoped advisory lock; each check reads what the
      // ones before it left): if the seller already has its cap of other jobs active, this one hands
      // its claim back untouched, state 'created' as it was (no retry counted; pg-boss's own
      // completion of this claim then finds it gone and leaves it). Ordering by claim time is not
      // enough: a claim's time is its transaction's start, and an earlier claim may commit later.
      const overSellerCap = async (job: Job<JobRef>): Promise<boolean> => {
        const group = (job as Job<JobRef> & { groupId?: string | null }).groupId;
        if (!group) return false;
        const over = await sql.transaction(async (tx) => {
          await tx.query(`select pg_advisory_xact_lock(hashtextextended('etalase seller cap ' || $1, 0))`, [group]);
          const { rows } = await tx.query<{ others: number }>(
            `select count(*)::int as others from pgboss.job where name = $1 and state = 'active' and group_id = $2 and id <> $3::uuid`,
            [JOB_QUEUE, group, job.id],
          );
          if ((rows[0]?.others ?? 0) < options.perSeller!) return false;
          await tx.query(`update pgboss.job set state = 'created', started_on = null, heartbeat_on = null where name = $1 and id = $2 and state = 'active'`, [JOB_QUEUE, job.id]);
          return true;
        });
        if (over) log.debug('a job over its seller\'s cap went back to the queue', { jobId: job.id });
        return over;
      };
      let workerId: string | null = null;
      const retryCount = (job: Job<JobRef>) => (job as Job<JobRef> & { retryCount?: number }).retryCount ?? 0;
      const run = (final: (job: Job<JobRef>) => boolean, capped = false) => async (jobs: Job<JobRef>[]) => {
        try {
          for (const job of jobs) {
            if (capped && (await overSellerCap(job))) continue;
            await handler(refOf(job.data), { retryCount: retryCount(job), final: final(job) } satisfies JobAttempt);
          }
        } finally {
          // NOTIFY wakes workers only when a job is created: one that has just finished a job looks
          // for the next at once instead of waiting out its backstop poll.
          if (workerId) setImmediate(() => boss.notifyWorker(workerId!));
        }
      };
      workerId = await boss.work<JobRef>(
        JOB_QUEUE,
        {
          localConcurrency: concurrency,
          includeMetadata: true,
          pollingIntervalSeconds: 2,
          notifyPollingIntervalSeconds: 5,
          ...(options.perSeller ? { groupConcurrency: options.perSeller } : {}),
        },
        run((job) => retryCount(job) >= RETRY_LIMIT, Boolean(options.perSeller)),
      );
      await boss.work<JobRef>(ABANDONED_QUEUE, { localConcurrency: 1, pollingIntervalSeconds: 5, includeMetadata: true }, run(() => true));
    },

    async enqueueWebhook(delivery) {
      // One call per job: the webhook's job id is the job's id.
      await boss.send(WEBHOOK_QUEUE, { ...delivery }, { id: delivery.jobId });
    },

    async workWebhooks(concurrency, handler) {
      if (concurrency <= 0) return;
      // Deliveries queued before kinds existed carried `generationId` alone.
      type Queued = WebhookDelivery & { generationId?: string };
      await boss.work<Queued>(WEBHOOK_QUEUE, { localConcurrency: concurrency, pollingIntervalSeconds: 1 }, async (jobs) => {
        for (const { data } of jobs) await handler({ ...data, kind: data.kind ?? 'generation', jobId: data.jobId ?? data.generationId! });
      });
    },

    async close(graceMs = SHUTDOWN_GRACE_MS) {
      periodic.close();
      await boss.stop({ graceful: graceMs > 0, timeout: Math.max(graceMs, 1), close: true });
    },
  };
}
