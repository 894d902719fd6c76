import { trace } from '@opentelemetry/api';
import { parseConfig } from '../src/config.ts';
import { startTracing } from '../src/observability/tracing.ts';
const t = await startTracing(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', LOG_FORMAT: 'json' }));
trace.getTracer('x').startSpan('s').end();
await new Promise((r) => setTimeout(r, 6500));
await t.shutdown().catch((e) => console.log("shutdown rejected", String(e)));
