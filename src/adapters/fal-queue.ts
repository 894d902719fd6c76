// What the fal adapters (generate, video, cutout) do with fal's queue once a request is submitted:
// wait until COMPLETED (its status stream, or polls), telling each change of where it stands, then
// fetch the result; cancel it quietly; and wait for an SDK call that takes no signal (storage
// uploads) only until abort.
import type { createFalClient, QueueStatus } from '@fal-ai/client';
import { abortReason, sleep } from './retry.js';
import type { GenerationProgress } from '../studio/ports.js';

type FalClient = ReturnType<typeof createFalClient>;

const CANCEL_TIMEOUT_MS = 5_000;

/** Waits until COMPLETED, telling each change of where the request stands, then fetches the result's
 *  data: on fal's status stream (server-sent events: the end is heard at once, where a poll hears it
 *  up to an interval late, ~65 ms a job at 150 ms), or by polling (`pollDelay` by the time since the
 *  first poll) when the stream fails, ends early or runs past STREAM_WINDOW_MS. */
export async function awaitResult(
  fal: FalClient,
  app: string,
  requestId: string,
  signal: AbortSignal,
  onProgress: (progress: GenerationProgress) => void,
  pollDelay: (elapsedMs: number) => number,
): Promise<unknown> {
  let last = '';
  const report = (status: QueueStatus) => {
    const progress: GenerationProgress =
      status.status === 'IN_QUEUE' ? { stage: 'QUEUED', position: status.queue_position ?? null } : { stage: 'GENERATING' };
    const key = JSON.stringify(progress);
    if (key !== last) onProgress(progress);
    last = key;
  };
  if (!(await streamUntilCompleted(fal, app, requestId, signal, report))) {
    const started = Date.now();
    for (;;) {
      const status: QueueStatus = await fal.queue.status(app, { requestId, abortSignal: signal });
      if (status.status === 'COMPLETED') break;
      report(status);
      await sleep(pollDelay(Date.now() - started), signal);
    }
  }
  return (await fal.queue.result(app, { requestId, abortSignal: signal })).data;
}

/** A stream stays open this long at most: it sends nothing we can see while a job runs (its keep-alives
 *  are comments), so a connection that died quietly would otherwise be waited on until the deadline. */
const STREAM_WINDOW_MS = 60_000;

/** true once the stream said COMPLETED; false when it could not say (the caller polls instead). */
async function streamUntilCompleted(fal: FalClient, app: string, requestId: string, signal: AbortSignal, report: (status: QueueStatus) => void): Promise<boolean> {
  signal.throwIfAborted();
  let completed = false;
  const stream = await fal.queue.streamStatus(app, { requestId, logs: false });
  stream.on('data', (status: QueueStatus) => {
    if (status?.status === 'COMPLETED') completed = true;
    else if (status?.status) report(status);
  });
  const stop = () => stream.abort();
  const window = setTimeout(stop, STREAM_WINDOW_MS);
  signal.addEventListener('abort', stop, { once: true });
  try {
    await stream.done();
  } catch {
    // an HTTP error or a broken stream: polled instead
  } finally {
    clearTimeout(window);
    signal.removeEventListener('abort', stop);
  }
  signal.throwIfAborted();
  return completed;
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
