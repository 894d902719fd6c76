// The studio's StageTimer (studio/ports/telemetry.ts): the job runner reports each stage it ran with
// its real start and end, in the process that ran it (an API's in-process worker or `npm run worker`),
// so the histogram and the spans are right however the API and the workers are split.
import { trace, type Tracer } from '@opentelemetry/api';
import type { Stage, StageRun, StageTimer } from '../studio/ports.js';
import { GENERATION_ID, JOB_ID } from './attributes.js';
import type { Metrics } from './metrics.js';
import { currentScope } from './scope.js';

/** a label value for what was not there (a stage with no model): Prometheus has no null */
export const NONE = 'none';

export interface StageTimerOptions {
  /** the tracer the spans go to; by default the global one (a no-op unless tracing.ts started the SDK) */
  tracer?: Tracer;
}

export function createStageTimer(metrics: Pick<Metrics, 'stageDuration'>, options: StageTimerOptions = {}): StageTimer {
  const tracer = () => options.tracer ?? trace.getTracer('etalase');
  return {
    record(stage: Stage, run: StageRun, startedAt: Date, endedAt: Date) {
      const seconds = Math.max(0, endedAt.getTime() - startedAt.getTime()) / 1000;
      const provider = run.provider || NONE;
      const model = run.model || NONE;
      metrics.stageDuration.observe({ stage, kind: run.kind, provider, model }, seconds);
      // A generation job's id is its generation's; the scope says so when the queue decorator set it.
      const generationId = currentScope()?.generationId ?? (run.kind === 'generation' ? run.jobId : undefined);
      // Traced after the fact with its real times, as a child of whatever is active (the job's span).
      tracer()
        .startSpan(`etalase.stage.${stage}`, {
          startTime: startedAt,
          attributes: {
            [JOB_ID]: run.jobId,
            'etalase.job.kind': run.kind,
            ...(generationId ? { [GENERATION_ID]: generationId } : {}),
            'etalase.provider': provider,
            ...(run.model ? { 'etalase.model': run.model } : {}),
          },
        })
        .end(endedAt);
    },
  };
}
