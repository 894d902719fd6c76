// One bounded queue for the CPU-heavy image work (decode, resize, encode), shared by every request in
// the process. sharp would otherwise start every pipeline at once on libuv's threads, each holding its
// decoded pixels; past the cores that buys no speed, only memory. More load waits here instead.
// The same queue, weighted, bounds the upload bytes held in memory (src/http/upload-admission.ts).
import os from 'node:os';

export interface PoolStats {
  size: number;
  /** the weight of the jobs running now */
  active: number;
  queued: number;
  /** jobs that ever started: a test can tell that nothing was decoded */
  started: number;
  /** the most weight that ever ran at once */
  peakActive: number;
}

export interface WorkPool {
  readonly size: number;
  /** runs `job` when `weight` (1 unless said) fits beside what runs; first come, first served. A job
   *  heavier than the whole pool runs alone. A job still queued when `signal` aborts never starts. */
  run<T>(job: () => Promise<T>, signal?: AbortSignal, weight?: number): Promise<T>;
  /** whether a job of `weight` would start at once (nothing queued ahead, room beside what runs) */
  wouldStart(weight: number): boolean;
  stats(): PoolStats;
}

interface Waiting {
  weight: number;
  start(): void;
  drop(reason: unknown): void;
}

export function createWorkPool(size: number): WorkPool {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`pool size must be a positive integer, got ${size}`);
  const queue: Waiting[] = [];
  let active = 0;
  let started = 0;
  let peakActive = 0;

  const fitsNow = (weight: number) => active === 0 || active + weight <= size;

  function next() {
    while (queue.length > 0 && fitsNow(queue[0]!.weight)) queue.shift()!.start();
  }

  function run<T>(job: () => Promise<T>, signal?: AbortSignal, weight = 1): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!(weight > 0)) return Promise.reject(new RangeError(`weight must be positive, got ${weight}`));
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const at = queue.indexOf(waiting);
        if (at >= 0) queue.splice(at, 1);
        waiting.drop(signal!.reason);
        next(); // a heavy job that left the head of the queue may have held lighter ones back
      };
      const waiting: Waiting = {
        weight,
        start() {
          signal?.removeEventListener('abort', onAbort);
          active += weight;
          started++;
          peakActive = Math.max(peakActive, active);
          // The slot is free by the time the caller hears back; a job that throws synchronously frees it too.
          const release = () => {
            active -= weight;
            next();
          };
          Promise.resolve()
            .then(job)
            .then(
              (value) => (release(), resolve(value)),
              (error: unknown) => (release(), reject(error)),
            );
        },
        drop: reject,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiting);
      next();
    });
  }

  return { size, run, wouldStart: (weight) => queue.length === 0 && fitsNow(weight), stats: () => ({ size, active, queued: queue.length, started, peakActive }) };
}

/** The process-wide pool for image work: one job per core. Each job is one sharp pipeline, which
 *  itself uses sharp.concurrency() libvips threads (1 on glibc without jemalloc, sharp's default). */
export const imagePool: WorkPool = createWorkPool(os.availableParallelism());
