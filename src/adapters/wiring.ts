// Config → adapters. Vendor SDKs are imported only when configured, so the offline default starts
// without loading them. Payments (Midtrans or the sandbox) are chosen in openPayments.
import { rememberVerified, type Authenticator } from './auth/authenticator.js';
import type { Config } from '../config.js';
import type { CatalogStore, Clock, Cutout, Describer, ExportStore, ListingImages, Generator, ImageChecks, JobQueue, Ledger, Logger, Payments, PeriodicJobs, PromptWriter, Reviewer, Storage, VideoMaker, VideoStore } from '../studio/ports.js';
import type { SqlRunner } from './ledger/sql-ledger.js';
import type { SandboxPayments } from './payments/sandbox.js';
import type { MediaLookup } from './storage/local.js';
import { withRecentObjects } from './storage/recent.js';

/** The ledger, the video rows and, over the same database, the job queue (reservations and enqueues
 *  share a transaction; each kind of job registers its SQL reservation here), periodic unpaid work on
 *  that queue, and the connection itself (top-ups and API keys are kept there too). Supabase mode is
 *  its project's Postgres, whose migrations the Supabase CLI applies. */
export async function openLedgerAndQueue(
  config: Config,
  log: Logger,
): Promise<{ ledger: Ledger; videos: VideoStore; exports: ExportStore; catalogs: CatalogStore; queue: JobQueue; periodic: PeriodicJobs; sql: SqlRunner }> {
  const { openPgBossQueue } = await import('./queue/pg-boss.js');
  const { reserveGenerationIn, reserveRemakeIn } = await import('./ledger/sql-ledger.js');
  const { reserveVideoIn, SqlVideoStore } = await import('./ledger/sql-videos.js');
  const { reserveExportIn, SqlExportStore } = await import('./ledger/sql-exports.js');
  const { reserveCatalogIn, SqlCatalogStore } = await import('./ledger/sql-catalogs.js');
  const c = config.ledger;
  // A job expires (and is retried) past the longest deadline of any kind.
  const deadlineMs = Math.max(config.generationDeadlineMs, config.videoDeadlineMs);
  const reservers = { generation: reserveGenerationIn, remake: reserveRemakeIn, video: reserveVideoIn, export: reserveExportIn, catalog: reserveCatalogIn };
  const common = { deadlineMs, log, reservers, perSeller: config.workerJobsPerSeller };
  if (c.kind !== 'pglite') {
    const { openPostgresRunner } = await import('./ledger/postgres.js');
    const { SqlLedger } = await import('./ledger/sql-ledger.js');
    const onError = (error: Error) => log.error('postgres connection error', { error: error.message });
    const sql = await openPostgresRunner(c, { onError, migrate: c.kind === 'postgres' });
    const queue = await openPgBossQueue({ ...common, sql, connection: { kind: 'postgres', url: c.url, poolMax: c.poolMax } });
    // One pool: the ledger closes it after the queue has stopped.
    return { ledger: new SqlLedger(sql), videos: new SqlVideoStore(sql), exports: new SqlExportStore(sql), catalogs: new SqlCatalogStore(sql), queue, periodic: queue.periodic, sql };
  }
  const ledger = await (await import('./ledger/pglite.js')).openPgliteLedger(c.dir);
  // One connection: the queue shares it, and the ledger closes it after the queue has stopped.
  const queue = await openPgBossQueue({ ...common, sql: ledger.db, connection: { kind: 'pglite', pglite: ledger.db.pglite } });
  return { ledger, videos: new SqlVideoStore(ledger.db), exports: new SqlExportStore(ledger.db), catalogs: new SqlCatalogStore(ledger.db), queue, periodic: queue.periodic, sql: ledger.db };
}

/** The ledger alone (the coins CLI). */
export async function openLedger(config: Config, log?: Logger): Promise<Ledger> {
  const c = config.ledger;
  if (c.kind !== 'pglite') {
    return (await import('./ledger/postgres.js')).openPostgresLedger(c, {
      migrate: c.kind === 'postgres',
      onError: (error) => log?.error('postgres connection error', { error: error.message }),
    });
  }
  return (await import('./ledger/pglite.js')).openPgliteLedger(c.dir);
}

export async function openDescriber(config: Config): Promise<Describer> {
  const c = config.describer;
  if (c.kind === 'gemini') return (await import('./describe/gemini.js')).createGeminiDescriber(c);
  return (await import('./describe/local.js')).createLocalDescriber();
}

/** undefined: the studio's deterministic composer writes every prompt (the offline default). */
export async function openPromptWriter(config: Config): Promise<PromptWriter | undefined> {
  const c = config.promptWriter;
  if (c.kind === 'gemini') return (await import('./prompt/gemini.js')).createGeminiPromptWriter(c);
  return undefined;
}

/** The review: the measured layer always, and the model layer REVIEWER chose (null: local, none). */
export async function openReview(config: Config): Promise<{ checks: ImageChecks; reviewer: Reviewer | null }> {
  const checks = (await import('./review/measure.js')).createMeasuredChecks();
  const c = config.review.reviewer;
  if (c.kind === 'gemini') return { checks, reviewer: (await import('./review/gemini.js')).createGeminiReviewer(c) };
  return { checks, reviewer: null };
}

export async function openGenerator(config: Config, log: Logger): Promise<Generator> {
  const c = config.generator;
  if (c.kind === 'fal') return (await import('./generate/fal.js')).createFalGenerator(c, { log: (message, detail) => log.error(message, detail) });
  return (await import('./generate/local.js')).createLocalGenerator();
}

/** Who takes payments: Midtrans (midtrans-client) or the sandbox this app serves (`sandbox` is then
 *  that gateway, for its page's routes). */
export async function openPayments(config: Config): Promise<{ payments: Payments; sandbox: SandboxPayments | null }> {
  const c = config.payments;
  if (c.kind === 'midtrans') {
    const payments = (await import('./payments/midtrans.js')).createMidtransPayments({
      ...c,
      expiryMinutes: config.topUps.expiryMinutes,
      finishUrl: `${config.publicUrl}/`,
    });
    return { payments, sandbox: null };
  }
  const sandbox = await (await import('./payments/sandbox.js')).createSandboxPayments({ dataDir: config.dataDir, publicUrl: config.publicUrl });
  return { payments: sandbox, sandbox };
}

/** Who removes backgrounds: a fal model (CUTOUT=fal), or colour-distance matting on this machine. */
export async function openCutout(config: Config, log: Logger): Promise<Cutout> {
  const c = config.cutout;
  if (c.kind === 'fal') return (await import('./cutout/fal.js')).createFalCutout(c, { log: (message, detail) => log.error(message, detail) });
  return (await import('./cutout/local.js')).createLocalCutout();
}

/** The pixel work of listings (packshots, exports, compliance, the aspect fix). */
export async function openListingImages(): Promise<ListingImages> {
  return (await import('./listing/sharp.js')).createSharpListingImages();
}

/** Who makes clips: fal's video model (VIDEO_MODEL), or FFmpeg on this machine. */
export async function openVideoMaker(config: Config, log: Logger): Promise<VideoMaker> {
  const c = config.video;
  const ffmpeg = await (await import('./video/ffmpeg.js')).ffmpegBinary(c.ffmpegPath);
  if (c.kind === 'fal') {
    return (await import('./video/fal.js')).createFalVideoMaker(c, { ffmpeg, log: (message, detail) => log.error(message, detail) });
  }
  return (await import('./video/local.js')).createLocalVideoMaker({ ffmpeg, resolution: c.resolution });
}

export async function openAuthenticator(config: Config, log: Logger): Promise<Authenticator> {
  const c = config.auth;
  if (c.kind === 'supabase') {
    return rememberVerified(
      (await import('./auth/supabase.js')).createSupabaseAuthenticator(c, {
        onKeyServerError: (error) => log.warn('Supabase key server unreachable; tokens refused until it answers', { error: String(error) }),
      }),
    );
  }
  const dev = await import('./auth/dev.js');
  return rememberVerified(dev.createDevAuthenticator(await dev.loadDevSecret(config.dataDir)));
}

// What this process stored in the last minute, up to 128 MB, is read back from memory.
const RECENT = { maxBytes: 128 * 1024 * 1024, ttlMs: 60_000 };

/** The store for inputs and outputs, and the /media/ route when it serves the files itself. */
export async function openStorage(
  config: Config,
  clock?: Clock,
): Promise<{ storage: Storage; lookup: ((url: URL) => Promise<MediaLookup | null>) | null }> {
  const c = config.storage;
  if (c.kind === 'supabase') {
    // Supabase serves its own signed URLs: no /media route here.
    const storage = (await import('./storage/supabase.js')).createSupabaseStorage({ ...c, ttlSeconds: config.mediaUrlTtlSeconds });
    return { storage: withRecentObjects(storage, RECENT), lookup: null };
  }
  const local = await (await import('./storage/local.js')).createLocalStorage({
    dataDir: config.dataDir,
    publicUrl: config.publicUrl,
    ttlSeconds: config.mediaUrlTtlSeconds,
    clock,
  });
  return { storage: withRecentObjects(local, RECENT), lookup: local.lookup };
}
