// How long each stage of a job took, recorded by the process that ran it (an API with its in-process
// worker, or a separate `npm run worker`): nothing is inferred from the order of port calls.

/** The stages of a job, in the order a generation runs them; other kinds use the ones they have. */
export type Stage = 'describe' | 'prompt' | 'generate' | 'review' | 'store';

/** What did the work in a stage: `provider` is a vendor or engine (gemini, fal, local, composer),
 *  `model` the model id when one was called. */
export interface StageRun {
  jobId: string;
  /** the job's kind (generation, …) */
  kind: string;
  provider: string;
  model?: string;
}

export interface StageTimer {
  /** `stage` of a job ran from `startedAt` to `endedAt` (wall clock, so a trace can show it) */
  record(stage: Stage, run: StageRun, startedAt: Date, endedAt: Date): void;
}

/** No timing: tests and tools that build a runner without observability. */
export const untimed: StageTimer = { record() {} };
