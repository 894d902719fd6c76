// What a kind of job is to the machinery (machinery.ts): how to find and settle its row, and its work.
// A kind is one module here (generation.ts today); adding one touches no other kind and no adapter
// but its own (its row's SQL and its reservation).
import type { GenerationProgress, GenerationStatus, Stage, StageRun } from '../ports.js';

/** The fields of a job's row the machinery reads. */
export interface JobRow {
  id: string;
  userId: string;
  status: GenerationStatus;
  finishedAt: Date | null;
  deadlineAt: Date;
  /** the paid vendor request, once the vendor accepted it: collected after a crash, never sent again */
  providerRequestId: string | null;
}

/** What a running attempt is given. */
export interface JobContext<R extends JobRow> {
  record: R;
  /** aborted at the deadline stored on the row, or when the seller cancels */
  signal: AbortSignal;
  progress(progress: GenerationProgress): void;
  /** `stage` ran from `startedAt` until now, done by `ran` */
  stage(stage: Stage, ran: Omit<StageRun, 'jobId' | 'kind'>, startedAt: Date): void;
}

export interface JobKind<R extends JobRow = JobRow> {
  /** the queue's `kind` for it */
  readonly name: string;
  /** what a seller calls it, in messages ("generation", "clip") */
  readonly noun: string;
  /** a worker takes the job: QUEUED → RUNNING with a fresh deadline; the row as it stands after */
  begin(id: string, deadlineAt: Date): Promise<R | null>;
  read(id: string): Promise<R | null>;
  /** marks the job FAILED (or CANCELED) and refunds its price exactly once (in SQL) */
  fail(id: string, reason: string, status: 'FAILED' | 'CANCELED'): Promise<{ refunded: boolean; balance: number }>;
  /** the work of an attempt; settles the row itself, or throws to have it failed and refunded */
  run(context: JobContext<R>): Promise<void>;
  /** collects a paid vendor request after a crash; true when that settled the job */
  resume?(record: R, signal: AbortSignal): Promise<boolean>;
  /** the message a seller sees for a failure that run() threw */
  reasonFor(error: unknown): string;
  /** where the job's finish is told, when the request asked for it */
  webhookUrl(record: R): string | null;
  /** the webhook's body for a finished job (fresh signed links) */
  webhookPayload(record: R): Promise<{ type: string; data: unknown }>;
  /** true when a settled job's inputs are still needed (by a later job of another kind); else they
   *  are removed when it settles */
  keepsInputs?(record: R): boolean;
  /** told once the job is settled, after its own webhook (a catalogue's item tells its catalogue);
   *  may be told again for the same job (a retried attempt), so it must be idempotent */
  settled?(record: R): Promise<void>;
}

/** Where a job's inputs are kept until it is settled; removed then, unless its kind keeps them. */
export const inputsPrefix = (jobId: string) => `inputs/${jobId}/`;

/** The messages a settled job carries, the same for every kind. */
export const messages = (noun: string) => ({
  canceled: `The ${noun} was canceled; your coins were returned.`,
  interrupted: `The ${noun} was interrupted and did not finish in time.`,
  timedOut: `The ${noun} took too long and was stopped.`,
});
