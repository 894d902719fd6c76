// Work that is not paid for and runs on a timer (reconciling top-ups), as a queued job: one worker of
// all instances takes each run, and a run that throws is retried.

export interface PeriodicJobs {
  /** runs `handler` about every `everySeconds` in one worker of all instances, from now until close() */
  every(name: string, everySeconds: number, handler: () => Promise<void>): Promise<void>;
  /** stops asking for runs (the queue itself is closed by its owner) */
  close(): void;
}
