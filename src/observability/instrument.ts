// Decorators that wrap the studio's ports at wiring time: the pipeline stays unaware of metrics and
// traces. They count and trace what a port call is on its own (a vendor call, a reservation, a
// settlement, an upload check). A job's stages are not read off here: the order of port calls says
// nothing reliable about them once the API and the worker are separate processes, so the job runner
// reports each stage it ran through the StageTimer port (stages.ts).
import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { slotKind, type Describer, type GenerationRecord, type GenerationReservation, type Generator, type ImagePreparer, type JobQueue, type Ledger, type ReserveOutcome, type Slot } from '../studio/ports.js';
import type { Metrics } from './metrics.js';
import type { Scrubber } from './redact.js';
import { GENERATION_ID } from './attributes.js';
import { runAsJob } from './jobs.js';
import { annotateScope, currentScope } from './scope.js';

const tracer = () => trace.getTracer('etalase');

/** What went wrong with a vendor call, as a small fixed set of label values. */
export function errorKind(error: unknown): string {
  let e: any = error;
  for (let depth = 0; e && depth < 6; depth++) {
    if (e.name === 'AbortError') return 'aborted';
    if (e.name === 'TimeoutError' || /timed? ?out|no answer within/i.test(String(e.message))) return 'timeout';
    const status = typeof e.status === 'number' ? e.status : typeof e.detail?.status === 'number' ? e.detail.status : undefined;
    if (status === 429) return 'rate_limited';
    if (status >= 500) return 'server';
    if (status >= 400) return 'rejected';
    e = e.lastError ?? e.cause;
  }
  return 'failed';
}

export interface InstrumentationDeps {
  metrics: Metrics;
  scrubber: Scrubber;
  /** vendor label of the describer (gemini, local) and of the ledger (pglite, postgres, supabase) */
  describerVendor: string;
  ledgerVendor: string;
  now?: () => number;
}

export function createInstrumentation(deps: InstrumentationDeps) {
  const { metrics, scrubber } = deps;
  const now = deps.now ?? Date.now;

  const generationAttribute = (id = currentScope()?.generationId): Attributes => (id ? { [GENERATION_ID]: id } : {});

  function markFailed(span: Span, error: unknown) {
    const e = error as { name?: string; message?: string };
    span.recordException({ name: e?.name ?? 'Error', message: scrubber.text(String(e?.message ?? error)) });
    span.setStatus({ code: SpanStatusCode.ERROR });
  }

  function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
    return tracer().startActiveSpan(name, { attributes }, async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        markFailed(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  }

  async function vendorCall<T>(vendor: string, operation: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
    metrics.vendorCalls.inc({ vendor, operation });
    const started = now();
    try {
      return await inSpan(`vendor.${vendor}.${operation}`, { 'etalase.vendor': vendor, ...attributes }, async (span) => {
        try {
          return await fn();
        } catch (error) {
          const kind = errorKind(error);
          span.setAttribute('etalase.error.kind', kind);
          metrics.vendorErrors.inc({ vendor, operation, kind });
          throw error;
        }
      });
    } finally {
      metrics.vendorDuration.observe({ vendor, operation }, (now() - started) / 1000);
    }
  }

  /** mode and cost of a generation, from its row: the process settling it is often not the one that
   *  reserved it (a separate worker, or recovery after a restart), so nothing is kept in memory */
  function modeAndCost(record: GenerationRecord | null): { mode: string; cost: number } {
    return { mode: record?.mode ?? 'unknown', cost: record?.cost ?? 0 };
  }

  /** `inner` with some methods replaced; every other property and method is the adapter's own, bound to
   *  it (adapters may be class instances), so a port that grows a field is never silently cut off. */
  function decorate<T extends object>(inner: T, replaced: Partial<T>): T {
    return new Proxy(inner, {
      get(target, property, receiver) {
        if (typeof property === 'string' && Object.hasOwn(replaced, property)) return replaced[property as keyof T];
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  function describer(inner: Describer): Describer {
    const vendor = deps.describerVendor;
    const wrapped: Partial<Describer> = {
      describe: (image, signal) =>
        vendorCall(vendor, 'describe', { ...generationAttribute(), 'etalase.slot': image.slot }, () => inner.describe(image, signal)),
    };
    if (inner.describeAndWrite) {
      // The one vision call per batch (photos and prompt): timed and traced as the describe call it replaces.
      const describeAndWrite = inner.describeAndWrite.bind(inner);
      wrapped.describeAndWrite = (photos, request, signal) =>
        vendorCall(vendor, 'describe', { ...generationAttribute(), 'etalase.images': photos.length }, () => describeAndWrite(photos, request, signal));
    }
    if (inner.screen) {
      const screen = inner.screen.bind(inner);
      wrapped.screen = (images, signal) => vendorCall(vendor, 'screen', { 'etalase.images': images.length }, () => screen(images, signal));
    }
    return decorate(inner, wrapped);
  }

  function generator(inner: Generator): Generator {
    const vendor = inner.name;
    const wrapped: Partial<Generator> = {
      generate: (request) =>
        vendorCall(vendor, 'generate', { ...generationAttribute(request.generationId), 'etalase.mode': request.mode, 'etalase.count': request.count }, () =>
          inner.generate(request),
        ),
    };
    if (inner.resume) {
      const resume = inner.resume.bind(inner);
      wrapped.resume = (providerRequestId, mode, signal, aspectRatio) => vendorCall(vendor, 'resume', { 'etalase.mode': mode }, () => resume(providerRequestId, mode, signal, aspectRatio));
    }
    return decorate(inner, wrapped);
  }

  /** a reservation, made by the ledger or together with its job by the queue */
  function reserving(request: GenerationReservation, reserve: () => Promise<ReserveOutcome>): Promise<ReserveOutcome> {
    // A generation's mode; other kinds of job (a clip) have none and are labelled by their kind.
    const mode = request.mode ?? request.kind;
    return inSpan('ledger.reserve', { ...generationAttribute(request.id), 'etalase.mode': mode, 'etalase.cost': request.cost }, async (span) => {
      const outcome = await reserve();
      span.setAttribute('etalase.reservation', outcome.kind);
      metrics.reservations.inc({ mode, outcome: outcome.kind });
      if (outcome.kind === 'reserved') {
        metrics.coinsDebited.inc({ mode }, request.cost);
        annotateScope({ generationId: request.id });
      } else if (outcome.kind === 'replay' || outcome.kind === 'idempotency-conflict') {
        annotateScope({ generationId: outcome.id });
      }
      return outcome;
    });
  }

  function queue(inner: JobQueue): JobQueue {
    return decorate(inner, {
      reserveAndEnqueue: async (request, job) => {
        let position: number | null = null;
        // The job carries the request's id: its lines, on whichever worker, name the request too.
        const requestId = currentScope()?.requestId;
        const outcome = await reserving(request as GenerationReservation, async () => {
          const result = await inner.reserveAndEnqueue(request, requestId ? { ...job, requestId } : job);
          position = result.position;
          return result.outcome;
        });
        return { outcome, position };
      },
      // Each job in its own log scope and trace (observability/jobs.ts).
      work: (concurrency, handler) =>
        inner.work(concurrency, (job, attempt) =>
          runAsJob(job.kind, { jobId: job.id, generationId: job.id, userId: job.userId, requestId: job.requestId }, () =>
            handler(job, attempt),
          ),
        ),
    });
  }

  function ledger(inner: Ledger): Ledger {
    const decorated: Partial<Ledger> = {
      complete: (generationId, settlement) =>
        inSpan('ledger.complete', { ...generationAttribute(generationId), 'etalase.ledger': deps.ledgerVendor }, async (span) => {
          const completed = await inner.complete(generationId, settlement);
          span.setAttribute('etalase.completed', completed);
          if (completed) {
            const { mode } = modeAndCost(await inner.generation(generationId).catch(() => null));
            metrics.generations.inc({ mode, status: 'SUCCEEDED' });
          }
          return completed;
        }),
      fail: (generationId, reason, status = 'FAILED') =>
        inSpan('ledger.fail', { ...generationAttribute(generationId), 'etalase.status': status }, async (span) => {
          // fail is idempotent (a replay or a waiting request asks again): count only the call that ended it.
          const before = await inner.generation(generationId).catch(() => null);
          const result = await inner.fail(generationId, reason, status);
          span.setAttribute('etalase.refunded', result.refunded);
          if (result.refunded && !before?.finishedAt) {
            const { mode, cost } = modeAndCost(before ?? (await inner.generation(generationId).catch(() => null)));
            metrics.coinsRefunded.inc({ mode }, cost);
            metrics.generations.inc({ mode, status });
          }
          return result;
        }),
    };
    return decorate(inner, decorated);
  }

  // What the pipeline calls: every upload of a request in one step (headers first, then decodes).
  function preparer(inner: ImagePreparer): ImagePreparer {
    return decorate(inner, {
      inspectAll: (uploads, signal) =>
        inSpan('media.inspect', { 'etalase.uploads': uploads.length, 'etalase.upload.bytes': uploads.reduce((n, u) => n + u.bytes.byteLength, 0) }, async () => {
          for (const u of uploads) metrics.uploadBytes.inc({ kind: slotKind(u.slot) }, u.bytes.byteLength);
          try {
            const result = await inner.inspectAll(uploads, signal);
            for (const u of uploads) metrics.uploads.inc({ kind: slotKind(u.slot), outcome: 'accepted' });
            return result;
          } catch (error) {
            const refused = (error as { slot?: Slot }).slot;
            if (refused) metrics.uploads.inc({ kind: slotKind(refused), outcome: 'rejected' });
            throw error;
          }
        }),
    });
  }

  return { describer, generator, ledger, preparer, queue };
}
