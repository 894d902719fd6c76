// One place that builds the operator's view for an app: the logger, the app's own metrics registry,
// the Yoga plugins, and the decorators app.ts wraps the studio's ports in.
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config.js';
import type { Describer, Generator, ImagePreparer, JobQueue, Ledger, Logger } from '../studio/ports.js';
import { observabilityPlugins } from './http.js';
import { createInstrumentation } from './instrument.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { timeRootFields } from './root-fields.js';
import { configSecrets, createScrubber } from './redact.js';

export function createObservability(config: Config, options: { log?: Logger } = {}) {
  const scrubber = createScrubber(configSecrets(config));
  const log = options.log ?? createLogger({ level: config.logLevel, format: config.logFormat, scrubber });
  const metrics = createMetrics();
  const instrument = createInstrumentation({ metrics, scrubber, describerVendor: config.describer.kind, ledgerVendor: config.ledger.kind });
  return {
    log,
    metrics,
    plugins: observabilityPlugins(config, log, metrics),
    ledger: async (ledger: Ledger | Promise<Ledger>) => instrument.ledger(await ledger),
    describer: async (describer: Describer | Promise<Describer>) => instrument.describer(await describer),
    generator: async (generator: Generator | Promise<Generator>) => instrument.generator(await generator),
    preparer: (preparer: ImagePreparer) => instrument.preparer(preparer),
    queue: (queue: JobQueue) => instrument.queue(queue),
    /** the schema the app serves: its root fields timed into this app's registry */
    schema: (schema: GraphQLSchema) => timeRootFields(schema, metrics),
  };
}

export type Observability = ReturnType<typeof createObservability>;
