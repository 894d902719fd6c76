// Reads the config, builds the app, listens, and shuts down cleanly on SIGINT/SIGTERM.
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
  });
  if (config.auth.kind === 'dev') {
    process.stderr.write(`\nEtalase is up: ${config.publicUrl}/graphql\nGet a token: npm run -s dev-token -- --user alice\n\n`);
  }
});

// In-flight generations get a grace period to finish and settle; whatever is cut off is finished or
// refunded by the next instance's recovery sweep.
const SHUTDOWN_GRACE_MS = 25_000;
let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info('shutting down', { signal });
  const drained = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await app.services.events.close(); // ends open subscriptions, which would otherwise hold the server open
  await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref())]);
  await app.close();
  process.exit(0);
}
const onSignal = (signal: string) =>
  shutdown(signal).catch((error) => {
    app.log.error('shutdown failed', { error: String(error) });
    process.exit(1);
  });
process.on('SIGINT', () => void onSignal('SIGINT'));
process.on('SIGTERM', () => void onSignal('SIGTERM'));
