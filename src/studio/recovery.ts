// After a crash or a lost process, generations stay RUNNING with coins debited. Once past their
// deadline, each is finished from the provider's stored job (already paid for) or failed and refunded.
// Safe to run on several instances at once: completion and refund are each guarded in SQL.
import type { StoredInput } from './pipeline.js';
import type { Clock, Generator, Ledger, Logger, Storage } from './ports.js';
import { settle } from './settle.js';

export interface RecoveryDeps {
  ledger: Ledger;
  storage: Storage;
  generator: Generator;
  clock: Clock;
  log: Logger;
  /** how long to wait for a provider's stored job before giving up and refunding */
  resumeTimeoutMs: number;
}

export async function recoverOverdue(deps: RecoveryDeps): Promise<{ resumed: number; refunded: number }> {
  let resumed = 0;
  let refunded = 0;
  for (const g of await deps.ledger.overdue(deps.clock.now())) {
    if (g.providerRequestId && deps.generator.resume) {
      try {
        const result = await deps.generator.resume(g.providerRequestId, g.mode, AbortSignal.timeout(deps.resumeTimeoutMs));
        const input = g.input as StoredInput;
        if (await settle(deps, g.id, input.options, g.descriptions, result)) {
          resumed++;
          deps.log.info('recovered a generation from its provider job', { generationId: g.id });
          continue;
        }
      } catch (error) {
        deps.log.warn('could not resume provider job', { generationId: g.id, error: String(error) });
      }
    }
    const outcome = await deps.ledger.fail(g.id, 'The generation was interrupted and did not finish in time.');
    if (outcome.refunded) refunded++;
    deps.log.info('failed an overdue generation', { generationId: g.id, refunded: outcome.refunded });
  }
  return { resumed, refunded };
}
