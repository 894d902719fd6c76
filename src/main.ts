// Reads the config, builds the app (API + in-process worker), listens, and shuts down cleanly on
// SIGINT/SIGTERM.
import { createServer } from 'node:http';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const app = await createApp(config);
const server = createServer(app.yoga);
server.requestTimeout = config.generationDeadlineMs + 30_000;
server.listen(config.port, config.host, () => {
  app.log.info('listening', {
    graphql: `${config.publicUrl}/graphql`,
    ledger: config.ledger.kind,
    describer: config.describer.kind,
    generator: config.generator.kind,
    auth: config.auth.kind,
    workers: config.workerConcurrency,
  });
  if (config.auth.kind === 'dev') {
    process.stderr.write(`\nEtalase is up: ${config.publicUrl}/graphql\nGet a token: npm run -s dev-token -- --user alice\n\n`);
  }
});

// In-flight generations get a grace period to finish and settle; a job cut off is retried by
// another worker (its heartbeat stops), which resumes it from the stored fal request or refunds it.
const SHUTDOWN_GRACE_MS = 25_000;
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
  await app.close(Math.max(1000, SHUTDOWN_GRACE_MS - (Date.now() - started)));
  process.exit(0);
}
const onSignal = (signal: string) =>
  shutdown(signal).catch((error) => {
    app.log.error('shutdown failed', { error: String(error) });
    process.exit(1);
  });
process.on('SIGINT', () => void onSignal('SIGINT'));
process.on('SIGTERM', () => void onSignal('SIGTERM'));
