// The OpenTelemetry SDK, started by main.ts only when OTEL_EXPORTER_OTLP_ENDPOINT is set: spans go to
// <endpoint>/v1/traces as OTLP/HTTP JSON. Off, the API's no-op tracer makes every span free.
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { Config } from '../config.js';
import { createLogger } from './logger.js';
import { configSecrets, createScrubber } from './redact.js';

export interface Tracing {
  /** flushes the spans still buffered, then stops exporting */
  shutdown(): Promise<void>;
}

export async function startTracing(config: Config): Promise<Tracing> {
  if (!config.tracing) return { shutdown: async () => {} };
  const [{ NodeSDK }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  // The SDK's own complaints (a collector that refuses or is down) become warnings in our logs.
  const log = createLogger({ level: config.logLevel, format: config.logFormat, scrubber: createScrubber(configSecrets(config)) });
  const report = (message: string, ...args: unknown[]) => log.warn(`opentelemetry: ${message}`, args.length ? { detail: args.map(String) } : {});
  diag.setLogger({ error: report, warn: report, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  const sdk = new NodeSDK({
    serviceName: config.tracing.serviceName,
    traceExporter: new OTLPTraceExporter({ url: `${config.tracing.endpoint}/v1/traces` }),
    // Traces only, and only the spans Etalase makes: no auto-instrumentation, metrics (Prometheus
    // has them) or log export, and no host/process detectors.
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
    autoDetectResources: false,
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
