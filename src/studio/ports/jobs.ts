// The durable job queue: every kind of paid work (a generation today; re-makes, clips, exports,
// catalogue items next) is reserved and enqueued in one transaction, then run by any worker.

/** A job as the queue carries it: enough to find its row (by kind) and to address its events. */
export interface JobRef {
  /** which studio module runs it (studio/jobs/) */
  kind: string;
  /** the job's id: its row's id, the queue's job id, the topic of its events */
  id: string;
  userId: string;
  idempotencyKey: string | null;
  /** the request that started it, so the job's log lines can be found from it (set by observability) */
  requestId?: string;
}

export interface JobAttempt {
  /** 0 on the first run; more after a worker died (or the job expired) */
  retryCount: number;
  /** no retry follows this attempt: settle the job whatever happens */
  final: boolean;
}

/** The price of a job and the row that records it, written in SQL with the enqueue. Each kind adds
 *  its own fields (GenerationReservation); the adapter keeps one SQL reservation per kind. */
export interface Reservation {
  kind: string;
  id: string;
  userId: string;
  cost: number;
  idempotencyKey: string | null;
  /** hash of everything that defines the request: the same key with another hash is a conflict */
  requestHash: string;
  deadlineAt: Date;
  /** what a worker needs to run it: the kind's stored input */
  input: unknown;
}

export type ReserveOutcome =
  | { kind: 'reserved'; balance: number }
  | { kind: 'replay'; id: string }
  | { kind: 'insufficient'; required: number; balance: number }
  | { kind: 'idempotency-conflict'; id: string }
  | { kind: 'rate-limited'; message: string; retryAfterSeconds: number };

/** Durable jobs in the ledger's own database. */
export interface JobQueue {
  /** the reservation (coins, the job's row) and the job, in one transaction: both or neither;
   *  `position` (jobs ahead) is read in that transaction, before any worker can see the job */
  reserveAndEnqueue(reservation: Reservation, job: JobRef): Promise<{ outcome: ReserveOutcome; position: number | null }>;
  /** one reservation (a catalogue's: every item's row and debit) and all its jobs, in one transaction */
  reserveAndEnqueueAll(reservation: Reservation, jobs: JobRef[]): Promise<{ outcome: ReserveOutcome }>;
  /** jobs ahead of this one; null when it is not waiting (started, finished or unknown) */
  position(jobId: string): Promise<number | null>;
  /** the waiting jobs in the order they will start, each with its position */
  waiting(limit: number): Promise<Array<JobRef & { position: number }>>;
  /** takes a job that has not started out of the queue; false when it had started or is gone */
  remove(jobId: string): Promise<boolean>;
  /** runs `handler` for each job, up to `concurrency` at once in this process, until close(); at most
   *  `perSeller` jobs of one seller run at once across every worker (each job is grouped by its userId) */
  work(concurrency: number, handler: (job: JobRef, attempt: JobAttempt) => Promise<void>): Promise<void>;
  /** queues the one webhook call of a finished job (again for the same job: nothing) */
  enqueueWebhook(delivery: WebhookDelivery): Promise<void>;
  /** runs `handler` for each webhook call; a throw retries it later, with backoff */
  workWebhooks(concurrency: number, handler: (delivery: WebhookDelivery) => Promise<void>): Promise<void>;
  /** stops taking jobs, lets running ones finish (up to `graceMs`), and disconnects */
  close(graceMs?: number): Promise<void>;
}

/** One webhook call: `id` is the same on every retry, so receivers can deduplicate. */
export interface WebhookDelivery {
  id: string;
  /** the finished job's kind and id */
  kind: string;
  jobId: string;
  url: string;
}

/** Calls a backend's webhook, signed. */
export interface Webhooks {
  /** null when `url` may be called; otherwise why not, to tell the caller */
  check(url: string): Promise<string | null>;
  /** one signed POST; throws when the receiver did not accept it */
  deliver(delivery: WebhookDelivery, payload: unknown): Promise<void>;
}
