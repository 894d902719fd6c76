// What both fal adapters (generate/fal.ts, video/fal.ts) do with fal's queue once a request is
// submitted: poll it until COMPLETED, telling each change of where it stands, then fetch the result;
// cancel it quietly; and wait for an SDK call that takes no signal (storage uploads) only until abort.
import type { createFalClient, QueueStatus } from '@fal-ai/client';
import { abortReason, sleep } from './retry.js';
import type { GenerationProgress } from '../studio/ports.js';

type FalClient = ReturnType<typeof createFalClient>;

const CANCEL_TIMEOUT_MS = 5_000;

/** Polls until COMPLETED (`pollDelay` by the time since the first poll), then fetches the result's data. */
export async function pollResult(
  fal: FalClient,
  app: string,
  requestId: string,
  signal: AbortSignal,
  onProgress: (progress: GenerationProgress) => void,
  pollDelay: (elapsedMs: number) => number,
): Promise<unknown> {
  let last = '';
  const started = Date.now();
  for (;;) {
    const status: QueueStatus = await fal.queue.status(app, { requestId, abortSignal: signal });
    if (status.status === 'COMPLETED') break;
    const progress: GenerationProgress =
      status.status === 'IN_QUEUE' ? { stage: 'QUEUED', position: status.queue_position ?? null } : { stage: 'GENERATING' };
    const key = JSON.stringify(progress);
    if (key !== last) onProgress(progress);
    last = key;
    await sleep(pollDelay(Date.now() - started), signal);
  }
  return (await fal.queue.result(app, { requestId, abortSignal: signal })).data;
}

/** Asks fal to stop a request nobody will collect; never throws. */
export async function cancelQuietly(fal: FalClient, app: string, requestId: string, log: (message: string, detail: Record<string, unknown>) => void): Promise<void> {
  try {
    await fal.queue.cancel(app, { requestId, abortSignal: AbortSignal.timeout(CANCEL_TIMEOUT_MS) });
  } catch (error) {
    // A job that already finished cannot be cancelled; either way there is nothing more to do.
    log('cancel failed', { app, requestId, error: error instanceof Error ? error.message : String(error) });
  }
}

/** Rejects as soon as `signal` aborts, for SDK calls that take no signal (storage uploads). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
