// Etalase's own Prometheus metrics, on a registry per app (tests build many apps in one process);
// Yoga's request and resolver metrics are added to the same registry by the plugin in http.ts.
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

const SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160];

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    // Root fields only, with the name and labels @envelop/prometheus would give them: its own version
    // hooks every field of every object to time just these (halving styleCatalog's throughput).
    rootFields: new Histogram({
      name: 'graphql_envelop_execute_resolver',
      help: 'Time to resolve each root field (Query, Mutation, Subscription events)',
      labelNames: ['typeName', 'fieldName'] as const,
      buckets: SECONDS,
      registers,
    }),
    generations: new Counter({
      name: 'etalase_generations_total',
      help: 'Generations that reached a final status, by mode and status (SUCCEEDED, FAILED, CANCELED)',
      labelNames: ['mode', 'status'] as const,
      registers,
    }),
    reservations: new Counter({
      name: 'etalase_reservations_total',
      help: 'Coin reservations by outcome (reserved, replay, insufficient, idempotency-conflict)',
      labelNames: ['mode', 'outcome'] as const,
      registers,
    }),
    stageDuration: new Histogram({
      name: 'etalase_stage_duration_seconds',
      help: 'Time a job spent in each stage (describe, prompt, generate, review, store), by job kind and what ran it (provider, model; "none" without one), recorded by the process that ran the job',
      labelNames: ['stage', 'kind', 'provider', 'model'] as const,
      buckets: SECONDS,
      registers,
    }),
    vendorCalls: new Counter({
      name: 'etalase_vendor_calls_total',
      help: 'Calls to a vision or image provider, by vendor and operation',
      labelNames: ['vendor', 'operation'] as const,
      registers,
    }),
    vendorErrors: new Counter({
      name: 'etalase_vendor_errors_total',
      help: 'Failed provider calls by kind (timeout, rate_limited, server, rejected, aborted, failed)',
      labelNames: ['vendor', 'operation', 'kind'] as const,
      registers,
    }),
    vendorDuration: new Histogram({
      name: 'etalase_vendor_call_duration_seconds',
      help: 'Duration of one provider call, retries included',
      labelNames: ['vendor', 'operation'] as const,
      buckets: SECONDS,
      registers,
    }),
    coinsDebited: new Counter({ name: 'etalase_coins_debited_total', help: 'Coins reserved for generations', labelNames: ['mode'] as const, registers }),
    coinsRefunded: new Counter({ name: 'etalase_coins_refunded_total', help: 'Coins returned for failed or canceled generations', labelNames: ['mode'] as const, registers }),
    uploadBytes: new Counter({ name: 'etalase_upload_bytes_total', help: 'Bytes of uploaded photos, by slot kind', labelNames: ['kind'] as const, registers }),
    uploads: new Counter({
      name: 'etalase_uploads_total',
      help: 'Uploaded photos by slot kind and outcome (accepted, rejected)',
      labelNames: ['kind', 'outcome'] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
