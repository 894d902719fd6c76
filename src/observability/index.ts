// One place that builds the operator's view for an app or a worker: the logger, its own metrics
// registry, the Yoga plugins, the decorators the studio's ports are wrapped in, and the StageTimer the
// job runner reports its stages to.
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config.js';
import type { Describer, Generator, ImagePreparer, JobQueue, Ledger, Logger, StageTimer } from '../studio/ports.js';
import { observabilityPlugins } from './http.js';
import { createInstrumentation } from './instrument.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { timeRootFields } from './root-fields.js';
import { configSecrets, createScrubber } from './redact.js';
import { createStageTimer } from './stages.js';

export function createObservability(config: Config, options: { log?: Logger } = {}) {
  const scrubber = createScrubber(configSecrets(config));
  const log = options.log ?? createLogger({ level: config.logLevel, format: config.logFormat, scrubber });
  const metrics = createMetrics();
  const instrument = createInstrumentation({ metrics, scrubber, describerVendor: config.describer.kind, ledgerVendor: config.ledger.kind });
  const stages: StageTimer = createStageTimer(metrics);
  return {
    log,
    metrics,
    /** the job runner's stage timings (etalase_stage_duration_seconds and etalase.stage.* spans) */
    stages,
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
