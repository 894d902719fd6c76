// The one job machinery every kind of paid work runs on (kinds: kind.ts):
//   reserve + enqueue (one transaction) → a worker takes it → run, or resume a paid vendor request →
//   settle → one FINISHED event, inputs removed, one webhook.
// A job whose worker died is retried by another: a vendor request already paid for (its id is on the
// row) is collected, never submitted again; one that never reached the vendor runs again if its
// deadline allows, else it is failed and refunded. A cancel stops it wherever it is and refunds it
// at once. Every refund happens exactly once: the SQL guarantees it, whoever asks.
import { InsufficientCoinsError, InvalidInputError, RateLimitedError } from '../errors.js';
import type {
  Clock,
  EventBus,
  GenerationEvent,
  GenerationStatus,
  JobAttempt,
  JobQueue,
  JobRef,
  Logger,
  Reservation,
  ReserveOutcome,
  StageTimer,
  Storage,
  WebhookDelivery,
  Webhooks,
} from '../ports.js';
import { inputsPrefix, messages, type JobKind, type JobRow } from './kind.js';

export interface MachineryDeps {
  queue: JobQueue;
  events: EventBus;
  storage: Storage;
  clock: Clock;
  log: Logger;
  /** how long an attempt may run (GENERATION_DEADLINE_MS) */
  deadlineMs: number;
  /** how long to wait for a vendor's stored request after a crash before giving up and refunding */
  resumeTimeoutMs: number;
  /** null when WEBHOOK_SECRET is not set */
  webhooks: Webhooks | null;
  stages: StageTimer;
}

export const finishedEvent = (jobId: string | null, status: GenerationStatus): GenerationEvent => ({ stage: 'FINISHED', status, generationId: jobId });

const topicOf = (job: JobRef) => ({ generationId: job.id, userId: job.userId, idempotencyKey: job.idempotencyKey });

export function createJobMachinery(deps: MachineryDeps, kinds: ReadonlyArray<JobKind<any>>) {
  const byName = new Map(kinds.map((k) => [k.name, k]));
  const kindOf = (name: string): JobKind => {
    const kind = byName.get(name);
    if (!kind) throw new Error(`no module runs jobs of kind '${name}'`);
    return kind;
  };

  /** Tells every waiting job where it stands now (after a job started or left the queue). */
  async function announcePositions(): Promise<void> {
    for (const job of await deps.queue.waiting(100)) {
      deps.events.publish(topicOf(job), { stage: 'QUEUED', position: job.position, at: 'ETALASE', generationId: job.id });
    }
  }

  /** Reserves the price and enqueues the job (one transaction), or throws the typed refusal. A replayed
   *  idempotency key answers with the original job's id. */
  async function enqueue<R extends Reservation>(reservation: R, job: Omit<JobRef, 'kind' | 'id'>): Promise<{ id: string; balance: number | null }> {
    const ref: JobRef = { ...job, kind: reservation.kind, id: reservation.id };
    const { outcome, position } = await deps.queue.reserveAndEnqueue(reservation, ref);
    if (outcome.kind !== 'reserved') return refused(outcome);
    // Published before anything else can happen to the job: a worker needs several round trips first.
    if (position !== null) deps.events.publish(topicOf(ref), { stage: 'QUEUED', position, at: 'ETALASE', generationId: ref.id });
    return { id: ref.id, balance: outcome.balance };
  }

  /** One reservation for several jobs (a catalogue: every item's row and debit) and all of them
   *  enqueued, in one transaction; refusals and replays as enqueue's. */
  async function enqueueAll(reservation: Reservation, jobs: JobRef[]): Promise<{ id: string; balance: number | null }> {
    const { outcome } = await deps.queue.reserveAndEnqueueAll(reservation, jobs);
    if (outcome.kind !== 'reserved') return refused(outcome);
    void announcePositions().catch((error) => deps.log.warn('announcing queue positions failed', { error: String(error) }));
    return { id: reservation.id, balance: outcome.balance };
  }

  function refused(outcome: Exclude<ReserveOutcome, { kind: 'reserved' }>): { id: string; balance: null } {
    switch (outcome.kind) {
      case 'insufficient':
        throw new InsufficientCoinsError(outcome.required, outcome.balance);
      case 'rate-limited':
        throw new RateLimitedError(outcome.message, outcome.retryAfterSeconds);
      case 'idempotency-conflict':
        throw new InvalidInputError('idempotencyKey', 'This idempotencyKey was already used for a different request.');
      case 'replay':
        return { id: outcome.id, balance: null };
    }
  }

  /** Queues the webhook of a finished job, if it asked for one; never throws. */
  async function queueWebhook(kind: JobKind, row: JobRow): Promise<void> {
    const url = kind.webhookUrl(row);
    if (!url || !row.finishedAt || !deps.webhooks) return;
    await deps.queue
      .enqueueWebhook({ id: `msg_${row.id}`, kind: kind.name, jobId: row.id, url })
      .catch((error) => deps.log.error('queueing a webhook failed', { jobId: row.id, error: String(error) }));
  }

  /** The end of every attempt: a settled job is announced, its inputs removed, its webhook queued. */
  async function finish(kind: JobKind, job: JobRef): Promise<void> {
    const row = await kind.read(job.id).catch(() => null);
    // Not settled (the refund itself failed): the queue retries the job, which will announce it.
    if (!row?.finishedAt) return;
    deps.events.publish(topicOf(job), finishedEvent(job.id, row.status));
    if (!kind.keepsInputs?.(row)) await deps.storage.removePrefix(inputsPrefix(job.id)).catch(() => {});
    await queueWebhook(kind, row);
    await tellSettled(kind, row);
  }

  async function tellSettled(kind: JobKind, row: JobRow): Promise<void> {
    await kind.settled?.(row).catch((error) => deps.log.error('telling a settled job failed', { jobId: row.id, error: String(error) }));
  }

  async function failAndRefund(kind: JobKind, id: string, reason: string, status: 'FAILED' | 'CANCELED' = 'FAILED') {
    await kind.fail(id, reason, status).catch((error) => {
      // The job is retried (or dead-lettered) and refunds it then.
      deps.log.error('refund failed', { jobId: id, error: String(error) });
      throw error;
    });
  }

  /** The queue's handler: returns when the job is settled; throws only when it could not be (the
   *  database was unreachable), so that the queue retries it. */
  async function run(job: JobRef, attempt: JobAttempt): Promise<void> {
    const kind = kindOf(job.kind);
    const row = await kind.begin(job.id, new Date(deps.clock.now().getTime() + deps.deadlineMs));
    if (!row) return deps.log.warn('a job with no row', { kind: job.kind, jobId: job.id });
    // Canceled while queued, or settled by an attempt that died before telling the queue: only make
    // sure the end was announced (events, webhook: both idempotent for the receiver).
    if (row.finishedAt) return finish(kind, job);
    void announcePositions().catch((error) => deps.log.warn('announcing queue positions failed', { error: String(error) }));
    const said = messages(kind.noun);
    try {
      if (attempt.retryCount > 0 || attempt.final) {
        deps.log.info('resuming an interrupted job', { kind: kind.name, jobId: row.id, retryCount: attempt.retryCount, final: attempt.final });
        if (row.providerRequestId && kind.resume) {
          const resumed = await kind.resume(row, AbortSignal.timeout(deps.resumeTimeoutMs)).catch((error) => {
            deps.log.warn('could not resume the vendor request', { jobId: row.id, error: String(error) });
            return false;
          });
          if (!resumed) await failAndRefund(kind, row.id, said.interrupted);
          return;
        }
        if (attempt.final || deps.clock.now() >= row.deadlineAt) return await failAndRefund(kind, row.id, said.interrupted);
      }
      await attemptRun(kind, job, row);
    } finally {
      await finish(kind, job);
    }
  }

  async function attemptRun(kind: JobKind, job: JobRef, row: JobRow): Promise<void> {
    // Stops at the deadline stored with the run (what a retry goes by), or when the seller cancels:
    // cancel() announces it on this job's topic, from whichever instance.
    const canceled = new AbortController();
    const watch = await deps.events.subscribe({ generationId: job.id });
    void (async () => {
      for await (const event of watch) if (event.stage === 'FINISHED' && event.status === 'CANCELED') return canceled.abort();
    })().catch(() => {});
    const timeout = AbortSignal.timeout(Math.max(0, row.deadlineAt.getTime() - deps.clock.now().getTime()));
    const signal = AbortSignal.any([timeout, canceled.signal]);
    try {
      await kind.run({
        record: row,
        signal,
        progress: (p) => deps.events.publish(topicOf(job), { ...p, generationId: job.id }),
        stage: (stage, ran, startedAt) => deps.stages.record(stage, { ...ran, jobId: job.id, kind: kind.name }, startedAt, new Date()),
      });
    } catch (error) {
      // A cancel heard by another instance (events lost between processes) is on the row.
      if (!canceled.signal.aborted && (await kind.read(job.id).catch(() => null))?.status === 'CANCELED') canceled.abort();
      const said = messages(kind.noun);
      const status = canceled.signal.aborted ? 'CANCELED' : 'FAILED';
      const reason = canceled.signal.aborted ? said.canceled : timeout.aborted ? said.timedOut : kind.reasonFor(error);
      deps.log.error('job failed', { kind: kind.name, jobId: job.id, status, error: String(error), stack: (error as Error)?.stack });
      await failAndRefund(kind, job.id, reason, status);
    } finally {
      await watch.return(undefined);
    }
  }

  /** Stops a queued or running job and refunds it at once: a queued job leaves the queue, a running
   *  one is aborted by the worker that has it (it hears the CANCELED event, or sees the row). The row
   *  as it stands after; a job that had already finished is an InvalidInputError. */
  async function cancel<R extends JobRow>(kind: JobKind<R>, row: R): Promise<R> {
    let removed = false;
    if (!row.finishedAt) {
      await kind.fail(row.id, messages(kind.noun).canceled, 'CANCELED');
      removed = await deps.queue.remove(row.id);
    }
    const after = (await kind.read(row.id))!;
    if (after.status !== 'CANCELED') throw new InvalidInputError('id', `This ${kind.noun} already finished (${after.status}).`);
    deps.events.publish({ generationId: row.id, userId: row.userId, idempotencyKey: null }, finishedEvent(row.id, 'CANCELED'));
    if (removed) {
      // No worker will see this job: its cleanup, positions and webhook happen here.
      await deps.storage.removePrefix(inputsPrefix(row.id)).catch(() => {});
      void announcePositions().catch(() => {});
      await queueWebhook(kind, after);
      await tellSettled(kind, after);
    }
    return after;
  }

  /** The webhook queue's handler: builds the payload (fresh signed links) and calls the receiver. Its
   *  id is the same on every retry (`msg_<jobId>`), so a receiver that got it twice can tell. */
  async function deliverWebhook(delivery: WebhookDelivery): Promise<void> {
    const kind = kindOf(delivery.kind);
    const row = await kind.read(delivery.jobId);
    if (!row || !deps.webhooks) return;
    const { type, data } = await kind.webhookPayload(row);
    const payload = { type, timestamp: (row.finishedAt ?? new Date()).toISOString(), data };
    try {
      await deps.webhooks.deliver(delivery, payload);
      deps.log.info('webhook delivered', { jobId: row.id, webhookId: delivery.id });
    } catch (error) {
      deps.log.warn('webhook delivery failed; retried later', { jobId: row.id, webhookId: delivery.id, error: String(error) });
      throw error;
    }
  }

  return { enqueue, enqueueAll, run, cancel, deliverWebhook, announcePositions };
}

export type JobMachinery = ReturnType<typeof createJobMachinery>;
