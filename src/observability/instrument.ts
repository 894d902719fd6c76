// Decorators that wrap the studio's ports at wiring time: the pipeline stays unaware of metrics and
// traces. A generation's stages are read off the port calls it makes, in order:
//   reserve → (describe…) → recordPrompt → generate → complete | fail
// describe = reserve → recordPrompt, prompt = recordPrompt → generate starts (recording the prompt,
// finishing the reference copies), generate = the generator call, store = ledger.complete.
import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { slotKind, type Describer, type Generator, type ImagePreparer, type JobQueue, type Ledger, type ReserveOutcome, type ReserveRequest, type Slot } from '../studio/ports.js';
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

interface Timeline {
  mode: string;
  cost: number;
  reservedAt: number;
  describedAt?: number;
}
const MAX_TRACKED = 10_000;

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
  const timelines = new Map<string, Timeline>();

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

  /** A stage seen only from its two ends: observed, and traced after the fact with its real times. */
  function pastStage(stage: string, provider: string, generationId: string, from: number, to: number) {
    metrics.stageDuration.observe({ stage, provider }, (to - from) / 1000);
    tracer()
      .startSpan(`etalase.stage.${stage}`, { startTime: new Date(from), attributes: { ...generationAttribute(generationId), 'etalase.provider': provider } })
      .end(new Date(to));
  }

  async function liveStage<T>(stage: string, provider: string, generationId: string, fn: () => Promise<T>): Promise<T> {
    const started = now();
    try {
      return await inSpan(`etalase.stage.${stage}`, { ...generationAttribute(generationId), 'etalase.provider': provider }, fn);
    } finally {
      metrics.stageDuration.observe({ stage, provider }, (now() - started) / 1000);
    }
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

  function track(generationId: string, timeline: Timeline) {
    if (timelines.size >= MAX_TRACKED) timelines.delete(timelines.keys().next().value!);
    timelines.set(generationId, timeline);
  }

  /** mode and cost of a generation this instance did not reserve (recovery of an earlier process) */
  async function lookup(ledger: Ledger, generationId: string): Promise<{ mode: string; cost: number }> {
    const known = timelines.get(generationId);
    if (known) return known;
    const record = await ledger.generation(generationId).catch(() => null);
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
    if (inner.screen) {
      const screen = inner.screen.bind(inner);
      wrapped.screen = (images, signal) => vendorCall(vendor, 'screen', { 'etalase.images': images.length }, () => screen(images, signal));
    }
    return decorate(inner, wrapped);
  }

  function generator(inner: Generator): Generator {
    const vendor = inner.name;
    const wrapped: Partial<Generator> = {
      generate(request) {
        const timeline = timelines.get(request.generationId);
        if (timeline?.describedAt !== undefined) pastStage('prompt', 'composer', request.generationId, timeline.describedAt, now());
        return liveStage('generate', vendor, request.generationId, () =>
          vendorCall(vendor, 'generate', { ...generationAttribute(request.generationId), 'etalase.mode': request.mode, 'etalase.count': request.count }, () =>
            inner.generate(request),
          ),
        );
      },
    };
    if (inner.resume) {
      const resume = inner.resume.bind(inner);
      wrapped.resume = (providerRequestId, mode, signal) => vendorCall(vendor, 'resume', { 'etalase.mode': mode }, () => resume(providerRequestId, mode, signal));
    }
    return decorate(inner, wrapped);
  }

  /** a reservation, made by the ledger or together with its job by the queue */
  function reserving(request: ReserveRequest, reserve: () => Promise<ReserveOutcome>): Promise<ReserveOutcome> {
    return inSpan('ledger.reserve', { ...generationAttribute(request.generationId), 'etalase.mode': request.mode, 'etalase.cost': request.cost }, async (span) => {
      const outcome = await reserve();
      span.setAttribute('etalase.reservation', outcome.kind);
      metrics.reservations.inc({ mode: request.mode, outcome: outcome.kind });
      if (outcome.kind === 'reserved') {
        metrics.coinsDebited.inc({ mode: request.mode }, request.cost);
        track(request.generationId, { mode: request.mode, cost: request.cost, reservedAt: now() });
        annotateScope({ generationId: request.generationId });
      } else if (outcome.kind === 'replay' || outcome.kind === 'idempotency-conflict') {
        annotateScope({ generationId: outcome.generationId });
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
        const outcome = await reserving(request, async () => {
          const result = await inner.reserveAndEnqueue(request, requestId ? { ...job, requestId } : job);
          position = result.position;
          return result.outcome;
        });
        return { outcome, position };
      },
      // Each job in its own log scope and trace (observability/jobs.ts).
      work: (concurrency, handler) =>
        inner.work(concurrency, (job, attempt) =>
          runAsJob('generation', { jobId: job.generationId, generationId: job.generationId, userId: job.userId, requestId: job.requestId }, () =>
            handler(job, attempt),
          ),
        ),
    });
  }

  function ledger(inner: Ledger): Ledger {
    const decorated: Partial<Ledger> = {
      reserve: (request) => reserving(request, () => inner.reserve(request)),
      recordPrompt(generationId, ...rest) {
        const timeline = timelines.get(generationId);
        if (timeline) {
          timeline.describedAt = now();
          pastStage('describe', deps.describerVendor, generationId, timeline.reservedAt, timeline.describedAt);
        }
        return inner.recordPrompt(generationId, ...rest);
      },
      complete: (generationId, settlement) =>
        liveStage('store', deps.ledgerVendor, generationId, async () => {
          const completed = await inner.complete(generationId, settlement);
          if (completed) metrics.generations.inc({ mode: (await lookup(inner, generationId)).mode, status: 'SUCCEEDED' });
          timelines.delete(generationId);
          return completed;
        }),
      fail: (generationId, reason, status = 'FAILED') =>
        inSpan('ledger.fail', { ...generationAttribute(generationId), 'etalase.status': status }, async (span) => {
          // fail is idempotent (a replay or a waiting request asks again): count only the call that ended it.
          const before = await inner.generation(generationId).catch(() => null);
          const result = await inner.fail(generationId, reason, status);
          span.setAttribute('etalase.refunded', result.refunded);
          if (result.refunded && !before?.finishedAt) {
            const { mode, cost } = await lookup(inner, generationId);
            metrics.coinsRefunded.inc({ mode }, cost);
            metrics.generations.inc({ mode, status });
          }
          timelines.delete(generationId);
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
