// Work that runs outside an HTTP request (a queued generation, a recovery pass) gets the same
// treatment as a request: its own log scope and its own trace, so its lines and spans group together.
import { randomUUID } from 'node:crypto';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { GENERATION_ID, JOB_ID } from './attributes.js';
import { runInScope } from './scope.js';

export function runAsJob<T>(
  name: string,
  ids: { jobId?: string; generationId?: string; userId?: string; requestId?: string },
  fn: () => Promise<T>,
): Promise<T> {
  const scope = { jobId: ids.jobId ?? randomUUID(), generationId: ids.generationId, userId: ids.userId, requestId: ids.requestId };
  return runInScope(scope, () =>
    trace.getTracer('etalase').startActiveSpan(
      `job ${name}`,
      // A new trace, not a child of whatever request happened to schedule the job.
      { kind: SpanKind.CONSUMER, root: true, attributes: { [JOB_ID]: scope.jobId, ...(ids.generationId ? { [GENERATION_ID]: ids.generationId } : {}) } },
      async (span) => {
        try {
          return await fn();
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          if (scope.generationId) span.setAttribute(GENERATION_ID, scope.generationId);
          span.end();
        }
      },
    ),
  );
}
