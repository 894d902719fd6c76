// Reads the config, builds the app (API + in-process worker), listens, and shuts down cleanly on
// SIGINT/SIGTERM.
// First: on glibc this process may replace itself with one that has the allocator settings.
import './runtime/tune-allocator.js';
import { createServer } from 'node:http';
import { createApp } from './app.js';
import { loadConfigOrExit } from './config.js';
import { serveMetrics } from './observability/metrics-endpoint.js';
import { startTracing } from './observability/tracing.js';
import { SHUTDOWN_GRACE_MS } from './studio/ports.js';

const config = loadConfigOrExit();

const tracing = await startTracing(config);
const app = await createApp(config);
const metricsServer = config.metrics.port
  ? await serveMetrics(app.metrics, { port: config.metrics.port, host: config.host, token: config.metrics.token })
  : null;
// A request (headers and body, uploads included) must arrive whole within REQUEST_TIMEOUT_MS: a
// client trickling bytes cannot hold a connection. The answer itself (a generateImages can take
// minutes) is not limited by this. Node checks the timers every connectionsCheckingInterval.
const server = createServer(
  {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: Math.min(10_000, config.requestTimeoutMs),
    connectionsCheckingInterval: Math.min(1_000, config.requestTimeoutMs),
  },
  app.yoga,
);
server.listen(config.port, config.host, () => {
  app.log.info('listening', {
    graphql: `${config.publicUrl}/graphql`,
    ledger: config.ledger.kind,
    describer: config.describer.kind,
    generator: config.generator.kind,
    auth: config.auth.kind,
    metrics: config.metrics.port ? `port ${config.metrics.port}` : '/metrics',
    tracing: config.tracing ? config.tracing.endpoint : 'off',
    workers: config.workerConcurrency,
  });
  if (config.auth.kind === 'dev') {
    process.stderr.write(`\nEtalase is up: ${config.publicUrl}/graphql\nGet a token: npm run -s dev-token -- --user alice\n\n`);
  }
});

// In-flight generations get a grace period to finish and settle; a job cut off is retried by
// another worker (its heartbeat stops), which resumes it from the stored fal request or refunds it.
let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info('shutting down', { signal });
  const drained = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await app.services.events.close(); // ends open subscriptions, which would otherwise hold the server open
  const started = Date.now();
  await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref())]);
  metricsServer?.close();
  await app.close(Math.max(1000, SHUTDOWN_GRACE_MS - (Date.now() - started)));
  await tracing.shutdown().catch((error) => app.log.warn('flushing traces failed', { error: String(error) }));
  process.exit(0);
}
const onSignal = (signal: string) =>
  shutdown(signal).catch((error) => {
    app.log.error('shutdown failed', { error: String(error) });
    process.exit(1);
  });
process.on('SIGINT', () => void onSignal('SIGINT'));
process.on('SIGTERM', () => void onSignal('SIGTERM'));
