// A job whose worker died after the provider accepted it: the provider's job is paid for, so it is
// collected by its stored request id, never submitted again. Safe on several workers at once:
// completion and refund are each guarded in SQL.
import type { GenerationRecord, Generator, Ledger, Logger, Storage } from './ports.js';
import type { StoredInput } from './run.js';
import { settle } from './settle.js';

export interface RecoveryDeps {
  ledger: Ledger;
  storage: Storage;
  generator: Generator;
  log: Logger;
  /** how long to wait for a provider's stored job before giving up and refunding */
  resumeTimeoutMs: number;
}

/** true when the generation was finished from its provider job; false when the caller must refund it */
export async function resumePaidJob(deps: RecoveryDeps, g: GenerationRecord): Promise<boolean> {
  if (!g.providerRequestId || !deps.generator.resume) return false;
  try {
    const result = await deps.generator.resume(g.providerRequestId, g.mode, AbortSignal.timeout(deps.resumeTimeoutMs));
    const input = g.input as StoredInput;
    if (await settle(deps, g.id, input.options, g.descriptions, result)) {
      deps.log.info('recovered a generation from its provider job', { generationId: g.id });
      return true;
    }
  } catch (error) {
    deps.log.warn('could not resume provider job', { generationId: g.id, error: String(error) });
  }
  return false;
}
