// Who and what a log line or span belongs to: one scope per HTTP request (later per job), carried
// through every await by AsyncLocalStorage, so the studio logs without passing ids around.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface Scope {
  /** an HTTP request's id (echoed as x-request-id) */
  requestId?: string;
  /** a background job's id: the queue's, or the sweep's */
  jobId?: string;
  userId?: string;
  generationId?: string;
}

const storage = new AsyncLocalStorage<Scope>();

export const currentScope = (): Scope | undefined => storage.getStore();

export const runInScope = <T>(scope: Scope, fn: () => T): T => storage.run(scope, fn);

/** Adds what became known mid-request (the viewer, the reserved generation) to the current scope. */
export function annotateScope(fields: Partial<Scope>): void {
  const scope = storage.getStore();
  if (scope) Object.assign(scope, fields);
}
