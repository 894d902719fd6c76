// Span attribute names shared by the decorators (instrument.ts), the job scope (jobs.ts) and the stage
// timer (stages.ts): a module of their own, so none of those imports another for a constant.
export const GENERATION_ID = 'etalase.generation.id';
export const JOB_ID = 'etalase.job.id';
