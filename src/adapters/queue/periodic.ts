// Periodic work that is not paid for (reconciling top-ups) on the same pg-boss as the jobs: every
// process that runs workers asks for a run each interval, and pg-boss's singleton slot
// (singletonSeconds) keeps it to one run per interval across all instances; any worker takes it; a
// run that throws is retried. Nothing here touches the paid-job queue or its kinds.
import type { PgBoss } from 'pg-boss';
import type { Logger, PeriodicJobs } from '../../studio/ports.js';

export function createPeriodicJobs(boss: PgBoss, log: Logger): PeriodicJobs {
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  return {
    async every(name, everySeconds, handler) {
      if (closed) return;
      await boss.createQueue(name, { retryLimit: 2, retryDelay: 5, expireInSeconds: Math.max(60, everySeconds * 2) });
      await boss.work(name, { localConcurrency: 1, pollingIntervalSeconds: Math.min(5, everySeconds) }, async () => handler());
      const ask = () =>
        void boss
          .send(name, {}, { singletonSeconds: everySeconds, retryLimit: 2 })
          .catch((error) => !closed && log.warn('asking for a periodic job failed', { job: name, error: String(error) }));
      ask();
      const timer = setInterval(ask, everySeconds * 1000);
      timer.unref();
      timers.add(timer);
    },
    close() {
      closed = true;
      for (const timer of timers) clearInterval(timer);
      timers.clear();
    },
  };
}
