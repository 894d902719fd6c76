// Config → the running parts shared by the API (app.ts) and a worker-only process (worker.ts): the
// ledger and the job queue over one database, storage, events, the providers a worker calls, and
// top-ups (the payment gateway, reconciled by a periodic job) and API keys over the ledger's database.
// Every kind of job (studio/jobs/) is registered here on the one machinery: generations, re-makes, clips.
import { randomUUID } from 'node:crypto';
import { openEvents } from './adapters/events/pubsub.js';
import { SqlApiKeys } from './adapters/ledger/api-keys.js';
import { SqlTopUps } from './adapters/ledger/topups.js';
import { openCutout, openDescriber, openGenerator, openLedgerAndQueue, openListingImages, openPayments, openPromptWriter, openReview, openStorage, openVideoMaker } from './adapters/wiring.js';
import type { Config } from './config.js';
import { createHmac } from 'node:crypto';
import { loadOrCreateSecret } from './adapters/secret-file.js';
import { createDownloads } from './http/downloads.js';
import { createCatalogZipReader } from './media/catalog-zip.js';
import { createImagePreparer } from './media/prepare.js';
import type { Observability } from './observability/index.js';
import { withAspectEnforced } from './studio/aspect.js';
import { createCatalogs, type Catalogs } from './studio/catalogs.js';
import { createClips } from './studio/clips.js';
import { createExports } from './studio/exports.js';
import { exportKind } from './studio/jobs/export.js';
import { generationKind } from './studio/jobs/generation.js';
import { createJobMachinery } from './studio/jobs/machinery.js';
import { remakeKind } from './studio/jobs/remake.js';
import { videoKind } from './studio/jobs/video.js';
import {
  SHUTDOWN_GRACE_MS,
  untimed,
  type Clock,
  type Cutout,
  type Describer,
  type Generator,
  type ImageChecks,
  type JobQueue,
  type Ledger,
  type Logger,
  type PromptWriter,
  type Reviewer,
  type StageTimer,
  type VideoMaker,
} from './studio/ports.js';
import { readsReferences } from './studio/prompt/stage.js';
import { createRemakes } from './studio/remakes.js';
import { createStudio } from './studio/start.js';
import { createApiKeys } from './studio/api-keys.js';
import { createTopUps, MAX_PENDING_TOPUPS } from './studio/topups.js';

/** the periodic job that asks the gateway about orders still pending */
export const TOPUP_RECONCILE_JOB = 'topup-reconcile';

export interface CoreOverrides {
  clock?: Clock;
  /** wraps the ledger the app uses (the bench times its calls) */
  wrapLedger?: (ledger: Ledger) => Ledger;
  /** wraps the job queue the same way */
  wrapQueue?: (queue: JobQueue) => JobQueue;
  describer?: Describer;
  generator?: Generator;
  /** null: no writer, the composer writes every prompt */
  promptWriter?: PromptWriter | null;
  /** the review's layers (tests give a reviewer that answers as they need) */
  review?: { checks: ImageChecks; reviewer: Reviewer | null };
  videoMaker?: VideoMaker;
  cutout?: Cutout;
}

/** The decorators that feed metrics and traces (observability/), and the timer the job runner reports
 *  its stages to; none in a bare worker test. */
type Instrumentation = Pick<Observability, 'ledger' | 'describer' | 'generator' | 'preparer' | 'queue' | 'stages'>;

export async function openCore(config: Config, log: Logger, overrides: CoreOverrides = {}, instrument?: Instrumentation) {
  const clock = overrides.clock ?? { now: () => new Date() };
  const opened = await openLedgerAndQueue(config, log);
  const wrapped = overrides.wrapLedger ? overrides.wrapLedger(opened.ledger) : opened.ledger;
  const ledger = instrument ? await instrument.ledger(wrapped) : wrapped;
  const wrappedQueue = overrides.wrapQueue ? overrides.wrapQueue(opened.queue) : opened.queue;
  const queue = instrument ? instrument.queue(wrappedQueue) : wrappedQueue;
  await ledger.setSignupCoins(config.coins.signup);
  await ledger.setGenerationLimits({
    maxActive: config.fairUse?.maxActiveGenerations ?? null,
    perMinute: config.fairUse?.generationsPerMinute ?? null,
  });
  const [rawDescriber, rawGenerator, videoMaker, events, media, cutout, listing] = await Promise.all([
    overrides.describer ?? openDescriber(config),
    overrides.generator ?? openGenerator(config, log),
    overrides.videoMaker ?? openVideoMaker(config, log),
    openEvents(config, log),
    openStorage(config, overrides.clock),
    overrides.cutout ?? openCutout(config, log),
    openListingImages(),
  ]);
  const describer = instrument ? await instrument.describer(rawDescriber) : rawDescriber;
  // Every model's output at the asked ratio (cropped, with a warning, when it is not).
  const generator = withAspectEnforced(instrument ? await instrument.generator(rawGenerator) : rawGenerator, listing);
  const promptWriter = overrides.promptWriter === undefined ? await openPromptWriter(config) : (overrides.promptWriter ?? undefined);
  const rawPreparer = createImagePreparer({ maxPixels: config.limits.maxPixels });
  const preparer = instrument ? instrument.preparer(rawPreparer) : rawPreparer;
  const { storage } = media;
  const webhooks = config.webhooks ? (await import('./adapters/webhooks/standard.js')).createStandardWebhooks(config.webhooks) : null;
  const deadlineMs = config.generationDeadlineMs;
  const ids = { uuid: randomUUID };
  const review = { ...(overrides.review ?? (await openReview(config))), timeoutMs: config.review.timeoutMs };
  // Every kind of job, on the one machinery.
  // A catalogue's item is a generation that tells its catalogue when it settles (studio/catalogs.ts).
  const generationBase = generationKind({
    generations: ledger,
    cache: ledger,
    storage,
    describer,
    generator,
    // The worker makes reference copies from the stored uploads: not counted as uploads again.
    preparer: rawPreparer,
    log,
    promptWriter,
    promptWriterTimeoutMs: config.promptWriterTimeoutMs,
    review,
    remakes: config.review.remakes,
    listing: { cutout, listing },
  });
  const generation: typeof generationBase = { ...generationBase, settled: (g) => catalogs.itemSettled(g) };
  const remake = remakeKind({ remakes: ledger, generations: ledger, storage, describer, generator, preparer: rawPreparer, review, log, listing });
  const video = videoKind({ videos: opened.videos, storage, maker: videoMaker, clock, log, deadlineMs: config.videoDeadlineMs });
  const exported = exportKind({ exports: opened.exports, generations: ledger, storage, listing });
  const jobs = createJobMachinery(
    { queue, events, storage, clock, log, deadlineMs, resumeTimeoutMs: Math.min(deadlineMs, 60_000), webhooks, stages: instrument?.stages ?? untimed },
    [generation, remake, video, exported],
  );
  const studio = createStudio({
    coins: ledger,
    generations: ledger,
    storage,
    queue,
    jobs,
    kind: generation,
    preparer,
    clock,
    ids,
    log,
    pricing: { textToImage: config.coins.textToImage, reference: config.coins.reference, packshot: config.coins.packshot },
    deadlineMs,
    events,
    webhooks,
    readsReferences: (mode) => readsReferences(generator, mode),
  });
  const clips = createClips({
    coins: ledger,
    generations: ledger,
    videos: opened.videos,
    queue,
    jobs,
    kind: video,
    model: videoMaker.model,
    pricing: { perClip: config.coins.videoPerClip, perSecond: config.coins.videoPerSecond },
    clock,
    ids,
    events,
    webhooks,
    deadlineMs: config.videoDeadlineMs,
  });
  // A batch's and a catalogue's ZIP, behind signed links (app.ts serves them): the key is kept in
  // DATA_DIR, or, on Supabase Storage (instances share no DATA_DIR), derived from the service key they all hold.
  const downloads = createDownloads({
    secret:
      config.storage.kind === 'supabase'
        ? createHmac('sha256', config.storage.serviceRoleKey).update('etalase zip-url-key').digest()
        : await loadOrCreateSecret(config.dataDir, 'zip-url-key'),
    publicUrl: config.publicUrl,
    ttlSeconds: config.mediaUrlTtlSeconds,
    clock,
    storage,
    generations: ledger,
    catalogs: opened.catalogs,
  });
  const catalogs: Catalogs = createCatalogs({
    catalogs: opened.catalogs,
    generations: ledger,
    coins: ledger,
    queue,
    jobs,
    kind: generation,
    events,
    ids,
    log,
    storage,
    webhooks,
    preparer,
    clock,
    pricing: { textToImage: config.coins.textToImage, reference: config.coins.reference, packshot: config.coins.packshot },
    deadlineMs,
    readsReferences: (mode) => readsReferences(generator, mode),
    archive: createCatalogZipReader({ maxFileBytes: config.limits.maxFileBytes }),
    zipUrl: downloads.catalogZipUrl,
  });
  const remakes = createRemakes({ generations: ledger, remakes: ledger, jobs, clock, ids, deadlineMs });
  const exports = createExports({ generations: ledger, exports: opened.exports, jobs, events, clock, ids, price: config.coins.export, deadlineMs });

  const { payments, sandbox } = await openPayments(config);
  const topUps = createTopUps({
    store: new SqlTopUps(opened.sql),
    payments,
    packages: config.topUps.packages,
    clock,
    ids,
    log,
    maxPending: config.fairUse ? MAX_PENDING_TOPUPS : null,
    reconcileAfterMs: config.topUps.reconcileAfterMs,
    expiryMs: config.topUps.expiryMinutes * 60_000,
  });
  const apiKeys = createApiKeys({ store: new SqlApiKeys(opened.sql), ids, log });
  let reconciling = false;

  return {
    ledger,
    queue,
    storage,
    events,
    studio,
    clips,
    catalogs,
    /** a batch's and a catalogue's ZIP: their signed links and the route that serves them */
    downloads,
    remakes,
    exports,
    topUps,
    apiKeys,
    /** the sandbox gateway, when it takes the payments (its page is served by app.ts) */
    sandbox,
    /** the /media route, when the storage serves its own files */
    mediaLookup: media.lookup,
    /** takes jobs in this process: `concurrency` at once (WORKER_CONCURRENCY) */
    startWorkers: async (concurrency: number) => {
      await queue.work(concurrency, jobs.run);
      if (webhooks) await queue.workWebhooks(concurrency, (d) => (d.kind === 'catalog' ? catalogs.deliverWebhook(d) : jobs.deliverWebhook(d)));
      // Orders whose notification never came are asked about: a lost notification loses no purchase.
      if (concurrency > 0 && !reconciling) {
        reconciling = true;
        await opened.periodic.every(TOPUP_RECONCILE_JOB, config.topUps.reconcileEverySeconds, async () => void (await topUps.reconcile()));
      }
    },
    /** stops taking jobs, lets running ones finish within `graceMs`, then disconnects everything */
    async close(graceMs = SHUTDOWN_GRACE_MS) {
      await queue.close(graceMs);
      await Promise.all([ledger.close(), events.close()]);
    },
  };
}

export type Core = Awaited<ReturnType<typeof openCore>>;
