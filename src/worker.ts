// `npm run worker`: takes generation jobs from the queue and runs them, with no API. Any number of
// these (and of API processes) share one Postgres; each job runs once. SIGINT/SIGTERM: stop taking
// jobs, let running ones finish within the grace period, then exit.
// First: on glibc this process may replace itself with one that has the allocator settings.
import './runtime/tune-allocator.js';
import { loadConfigOrExit } from './config.js';
import { createObservability } from './observability/index.js';
import { startTracing } from './observability/tracing.js';
import { openCore } from './services.js';

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
const core = await openCore(config, log, {}, observability);
const concurrency = Math.max(1, config.workerConcurrency);
await core.startWorkers(concurrency);
log.info('worker started', { concurrency, ledger: config.ledger.kind, describer: config.describer.kind, generator: config.generator.kind });

const SHUTDOWN_GRACE_MS = 25_000;
let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  log.info('worker shutting down', { signal });
  await core.close(SHUTDOWN_GRACE_MS);
  await tracing.shutdown().catch(() => {});
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void shutdown(signal).catch((error) => (log.error('shutdown failed', { error: String(error) }), process.exit(1))));
}
