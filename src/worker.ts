// `npm run worker`: takes generation jobs from the queue and runs them, with no API. Any number of
// these (and of API processes) share one Postgres; each job runs once. SIGINT/SIGTERM: stop taking
// jobs, let running ones finish within the grace period, then exit.
// The worker is where a job's stages and vendor calls happen, so it has a /metrics of its own: on
// METRICS_PORT (behind METRICS_TOKEN when set), for Prometheus to scrape beside each API's.
// First: on glibc this process may replace itself with one that has the allocator settings.
import './runtime/tune-allocator.js';
import { loadConfigOrExit } from './config.js';
import { createObservability } from './observability/index.js';
import { serveMetrics } from './observability/metrics-endpoint.js';
import { startTracing } from './observability/tracing.js';
import { openCore } from './services.js';
import { SHUTDOWN_GRACE_MS } from './studio/ports.js';

const config = loadConfigOrExit();
if (config.ledger.kind === 'pglite') {
  process.stderr.write(
    'npm run worker needs a shared database (DATABASE_URL, or LEDGER=supabase with DATABASE_URL): the embedded one serves one process. ' +
      'With the embedded database, `npm start` runs the API and the worker together.\n',
  );
  process.exit(1);
}

const tracing = await startTracing(config);
const observability = createObservability(config);
const log = observability.log;
// Listening before anything else opens: a port already taken stops the worker before it takes a job.
const metricsServer = config.metrics.port
  ? await serveMetrics(observability.metrics.registry, { port: config.metrics.port, host: config.host, token: config.metrics.token })
  : null;
const core = await openCore(config, log, {}, observability);
const concurrency = Math.max(1, config.workerConcurrency);
await core.startWorkers(concurrency);
log.info('worker started', {
  concurrency,
  ledger: config.ledger.kind,
  describer: config.describer.kind,
  generator: config.generator.kind,
  metrics: config.metrics.port ? `port ${config.metrics.port}` : 'not served (set METRICS_PORT to expose /metrics)',
});

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  log.info('worker shutting down', { signal });
  await core.close(SHUTDOWN_GRACE_MS);
  // Scrapeable while the last jobs drain; closed once they are done.
  if (metricsServer) {
    const closed = new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    metricsServer.closeAllConnections();
    await closed;
  }
  await tracing.shutdown().catch(() => {});
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void shutdown(signal).catch((error) => (log.error('shutdown failed', { error: String(error) }), process.exit(1))));
}
