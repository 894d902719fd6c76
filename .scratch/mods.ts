const mb = (n: number) => (n / 1048576).toFixed(0);
const show = (what: string) => { (globalThis as any).gc?.(); const m = process.memoryUsage(); console.log(what.padEnd(40), 'rss', mb(m.rss), 'heap', mb(m.heapUsed), 'ext', mb(m.external), 'ab', mb(m.arrayBuffers)); };
show('start');
for (const m of ['graphql', 'graphql-yoga', '@pothos/core', 'pg', 'sharp', 'pino', 'prom-client', '@google/genai', '@fal-ai/client', '@supabase/supabase-js', 'ioredis', 'pg-boss', '@opentelemetry/sdk-node', '@opentelemetry/exporter-trace-otlp-http', '@envelop/opentelemetry', '@escape.tech/graphql-armor', 'jose', 'zod', '@electric-sql/pglite']) {
  await import(m); show(m);
}
await import('../src/app.ts'); show('src/app.ts');
