// The only reader of process.env. Parsed once at start: every problem is listed, then the process
// exits; everything else receives the typed Config.
import path from 'node:path';
import { envSchema, ledgerKindOf, missingRequirements, productionRefusals, type Env } from './config-schema.js';
import type { TopUpPackage } from './studio/topups.js';


export interface Config {
  production: boolean;
  /** introspection and GraphiQL: on in development, off in production unless asked for */
  graphql: { introspection: boolean; graphiql: boolean };
  /** per-request GraphQL limits (always on) */
  queryLimits: { maxCost: number; maxDepth: number; maxAliases: number; maxTokens: number; maxDirectives: number };
  /** fair use per user, enforced in the database for every instance; null when RATE_LIMITS=off */
  fairUse: {
    maxActiveGenerations: number;
    generationsPerMinute: number;
    queryCostPerMinute: number;
    maxSubscriptions: number;
  } | null;
  /** every subscription ends after this, rate limits or not */
  subscriptionMaxSeconds: number;
  /** a request must arrive whole within this (slow uploads) */
  requestTimeoutMs: number;
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  logLevel: Env['LOG_LEVEL'];
  /** auto: pretty when stderr is a terminal, JSON lines otherwise */
  logFormat: Env['LOG_FORMAT'];
  /** /metrics on its own port (not on PORT), and/or behind a bearer token */
  metrics: { port: number | null; token: string | null };
  /** OTLP/HTTP traces; null = tracing off */
  tracing: { endpoint: string; serviceName: string } | null;
  corsOrigins: string[] | null;
  coins: { signup: number; textToImage: number; reference: number; videoPerSecond: number; videoPerClip: number; packshot: number; export: number };
  /** maxZipBytes: a catalogue's ZIP (CATALOG_ZIP_MAX_BYTES); every other file is held to maxFileBytes */
  limits: { maxFiles: number; maxFileBytes: number; maxPixels: number; maxZipBytes: number };
  /** multipart bodies held in memory at once (bytes); more are spooled to disk and wait up to waitMs */
  uploads: { memoryBytes: number; waitMs: number };
  generationDeadlineMs: number;
  /** how long a clip may take once a worker has it */
  videoDeadlineMs: number;
  /** how long a signed image URL stays valid */
  mediaUrlTtlSeconds: number;
  /** jobs this process runs at once; 0 = API only */
  workerConcurrency: number;
  /** at most this many jobs of one seller run at once across all workers; null: no cap */
  workerJobsPerSeller: number | null;
  /** where prepared uploads and generated images are kept */
  storage: { kind: 'local' } | { kind: 'supabase'; url: string; serviceRoleKey: string; bucket: string };
  /** null: webhookUrl is refused */
  webhooks: { secret: string; allowLoopback: boolean } | null;
  auth:
    | { kind: 'dev' }
    | { kind: 'supabase'; url: string; issuer: string; jwtSecret?: string; rejectKeys: string[] };
  describer:
    | { kind: 'local' }
    | {
        kind: 'gemini';
        apiKey: string;
        model: string;
        baseUrl?: string;
        timeoutMs: number;
        budgetMs: number;
        retries: number;
        /** how many tokens each photo may take (Google's media_resolution); undefined: the model's default */
        mediaResolution?: 'low' | 'medium' | 'high';
      };
  promptWriter: { kind: 'local' } | { kind: 'gemini'; apiKey: string; model: string; baseUrl?: string; timeoutMs: number };
  /** the review's model layer (local: the measured layer alone); remakes: free re-makes of what failed */
  review: { reviewer: { kind: 'local' } | { kind: 'gemini'; apiKey: string; model: string; baseUrl?: string }; timeoutMs: number; remakes: number };
  /** how long the prompt writer may take before the composed prompt is used */
  promptWriterTimeoutMs: number;
  generator:
    | { kind: 'local' }
    /** maxReferences: undefined → the edit model's profile says */
    | { kind: 'fal'; key: string; textModel: string; editModel: string; maxReferences?: number; baseUrl?: string };
  /** who removes backgrounds (PACKSHOT, cutouts): colour-distance matting here, or a fal model */
  cutout: { kind: 'local' } | { kind: 'fal'; key: string; model: string; timeoutMs: number; baseUrl?: string };
  /** who makes clips; `ffmpegPath` unset: the binary that installs with the project */
  video:
    | { kind: 'local'; resolution: '480p' | '720p'; ffmpegPath?: string }
    | { kind: 'fal'; key: string; model: string; resolution: '480p' | '720p'; baseUrl?: string; ffmpegPath?: string };
  ledger:
    | { kind: 'pglite'; dir: string }
    /** supabase: the project's Postgres, whose migrations the Supabase CLI applies (not this process) */
    | { kind: 'postgres' | 'supabase'; url: string; poolMax: number; statementTimeoutMs: number };
  events: { kind: 'memory' } | { kind: 'redis'; url: string };
  /** who takes payments: the sandbox the app serves, or Midtrans (baseUrl: another endpoint, the tests' fake) */
  payments: { kind: 'sandbox' } | { kind: 'midtrans'; serverKey: string; clientKey?: string; production: boolean; baseUrl?: string };
  topUps: {
    packages: TopUpPackage[];
    /** how long a payment page may be used; an order its gateway never heard of expires after this */
    expiryMinutes: number;
    /** an order still PENDING this long is asked about (reconciliation) */
    reconcileAfterMs: number;
    /** how often reconciliation runs (a queued job, one worker of all instances) */
    reconcileEverySeconds: number;
    /** notifications per client address a minute; null when RATE_LIMITS=off */
    notificationsPerMinute: number | null;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Builds the Config from an environment; throws ConfigError listing every problem. */
export function parseConfig(source: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(source);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)),
    ...missingRequirements(source),
  ];
  if (!parsed.success) throw new ConfigError(problems);
  const env = parsed.data;
  const dataDir = path.resolve(env.DATA_DIR);
  const authKind = env.AUTH ?? (env.SUPABASE_URL ? 'supabase' : 'dev');
  const describerKind = env.DESCRIBER ?? (env.GEMINI_API_KEY ? 'gemini' : 'local');
  const promptWriterKind = env.PROMPT_WRITER ?? (env.GEMINI_API_KEY ? 'gemini' : 'local');
  const reviewerKind = env.REVIEWER ?? (env.GEMINI_API_KEY ? 'gemini' : 'local');
  const generatorKind = env.GENERATOR ?? (env.FAL_KEY ? 'fal' : 'local');
  const videoKind = env.VIDEO ?? (env.FAL_KEY ? 'fal' : 'local');
  const ledgerKind = ledgerKindOf(env);
  const paymentsKind = env.PAYMENTS ?? (env.MIDTRANS_SERVER_KEY ? 'midtrans' : 'sandbox');
  const supabaseUrl = env.SUPABASE_URL?.replace(/\/+$/, '');
  problems.push(...productionRefusals(env, { auth: authKind, ledger: ledgerKind, describer: describerKind, generator: generatorKind, payments: paymentsKind, video: videoKind }));
  if (problems.length) throw new ConfigError(problems);
  const production = env.NODE_ENV === 'production';

  return {
    production,
    graphql: { introspection: env.GRAPHQL_INTROSPECTION ?? !production, graphiql: env.GRAPHIQL ?? !production },
    queryLimits: {
      maxCost: env.MAX_QUERY_COST,
      maxDepth: env.MAX_QUERY_DEPTH,
      maxAliases: env.MAX_ALIASES,
      maxTokens: env.MAX_QUERY_TOKENS,
      maxDirectives: env.MAX_DIRECTIVES,
    },
    fairUse:
      env.RATE_LIMITS === 'off'
        ? null
        : {
            maxActiveGenerations: env.MAX_ACTIVE_GENERATIONS,
            generationsPerMinute: env.GENERATIONS_PER_MINUTE,
            queryCostPerMinute: env.QUERY_COST_PER_MINUTE,
            maxSubscriptions: env.MAX_SUBSCRIPTIONS_PER_USER,
          },
    subscriptionMaxSeconds: env.SUBSCRIPTION_MAX_SECONDS,
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    port: env.PORT,
    host: env.HOST,
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    dataDir,
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
    metrics: { port: env.METRICS_PORT ?? null, token: env.METRICS_TOKEN ?? null },
    tracing: env.OTEL_EXPORTER_OTLP_ENDPOINT
      ? { endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, ''), serviceName: env.OTEL_SERVICE_NAME }
      : null,
    corsOrigins: env.CORS_ORIGINS ? env.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean) : null,
    coins: {
      signup: env.SIGNUP_COINS,
      textToImage: env.PRICE_TEXT_TO_IMAGE,
      reference: env.PRICE_REFERENCE,
      videoPerSecond: env.PRICE_VIDEO_PER_SECOND,
      videoPerClip: env.PRICE_VIDEO_CLIP,
      packshot: env.PRICE_PACKSHOT,
      export: env.PRICE_EXPORT,
    },
    limits: { maxFiles: env.MAX_FILES, maxFileBytes: env.MAX_FILE_BYTES, maxPixels: env.MAX_PIXELS, maxZipBytes: env.CATALOG_ZIP_MAX_BYTES },
    uploads: { memoryBytes: env.UPLOAD_MEMORY_MB * 1024 * 1024, waitMs: env.UPLOAD_WAIT_MS },
    generationDeadlineMs: env.GENERATION_DEADLINE_MS,
    videoDeadlineMs: env.VIDEO_DEADLINE_MS,
    mediaUrlTtlSeconds: env.MEDIA_URL_TTL_SECONDS,
    workerConcurrency: env.WORKER_CONCURRENCY,
    workerJobsPerSeller: (env.WORKER_JOBS_PER_SELLER ?? Math.max(1, env.WORKER_CONCURRENCY - 1)) || null,
    storage:
      env.STORAGE === 'supabase'
        ? { kind: 'supabase', url: supabaseUrl!, serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY!, bucket: env.SUPABASE_STORAGE_BUCKET }
        : { kind: 'local' },
    webhooks: env.WEBHOOK_SECRET ? { secret: env.WEBHOOK_SECRET, allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK === 'true' } : null,
    auth:
      authKind === 'supabase'
        ? {
            kind: 'supabase',
            url: supabaseUrl!,
            issuer: env.SUPABASE_JWT_ISSUER ?? `${supabaseUrl}/auth/v1`,
            jwtSecret: env.SUPABASE_JWT_SECRET,
            rejectKeys: [env.SUPABASE_ANON_KEY, env.SUPABASE_SERVICE_ROLE_KEY].filter((k): k is string => !!k),
          }
        : { kind: 'dev' },
    describer:
      describerKind === 'gemini'
        ? {
            kind: 'gemini',
            apiKey: env.GEMINI_API_KEY!,
            model: env.GEMINI_MODEL,
            baseUrl: env.GEMINI_BASE_URL,
            timeoutMs: env.DESCRIBE_TIMEOUT_MS,
            budgetMs: env.DESCRIBE_BUDGET_MS,
            retries: env.DESCRIBE_RETRIES,
            mediaResolution: env.GEMINI_MEDIA_RESOLUTION,
          }
        : { kind: 'local' },
    review: {
      reviewer: reviewerKind === 'gemini' ? { kind: 'gemini', apiKey: env.GEMINI_API_KEY!, model: env.GEMINI_REVIEW_MODEL, baseUrl: env.GEMINI_BASE_URL } : { kind: 'local' },
      timeoutMs: env.REVIEW_TIMEOUT_MS,
      remakes: env.REVIEW_REMAKES,
    },
    promptWriter:
      promptWriterKind === 'gemini'
        ? { kind: 'gemini', apiKey: env.GEMINI_API_KEY!, model: env.GEMINI_PROMPT_MODEL, baseUrl: env.GEMINI_BASE_URL, timeoutMs: env.PROMPT_WRITER_TIMEOUT_MS }
        : { kind: 'local' },
    promptWriterTimeoutMs: env.PROMPT_WRITER_TIMEOUT_MS,
    generator:
      generatorKind === 'fal'
        ? {
            kind: 'fal',
            key: env.FAL_KEY!,
            textModel: env.FAL_TEXT_MODEL,
            editModel: env.FAL_EDIT_MODEL,
            maxReferences: env.FAL_EDIT_MAX_REFERENCES,
            baseUrl: env.FAL_BASE_URL,
          }
        : { kind: 'local' },
    cutout:
      (env.CUTOUT ?? (env.FAL_KEY ? 'fal' : 'local')) === 'fal'
        ? { kind: 'fal', key: env.FAL_KEY!, model: env.CUTOUT_MODEL, timeoutMs: env.CUTOUT_TIMEOUT_MS, baseUrl: env.FAL_BASE_URL }
        : { kind: 'local' },
    video:
      videoKind === 'fal'
        ? { kind: 'fal', key: env.FAL_KEY!, model: env.VIDEO_MODEL, resolution: env.VIDEO_RESOLUTION, baseUrl: env.FAL_BASE_URL, ffmpegPath: env.FFMPEG_PATH }
        : { kind: 'local', resolution: env.VIDEO_RESOLUTION, ffmpegPath: env.FFMPEG_PATH },
    ledger:
      ledgerKind === 'pglite'
        ? { kind: 'pglite', dir: path.join(dataDir, 'pglite') }
        : { kind: ledgerKind, url: env.DATABASE_URL!, poolMax: env.DATABASE_POOL_MAX, statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS },
    events: (env.EVENTS ?? (env.REDIS_URL ? 'redis' : 'memory')) === 'redis' ? { kind: 'redis', url: env.REDIS_URL! } : { kind: 'memory' },
    payments:
      paymentsKind === 'midtrans'
        ? {
            kind: 'midtrans',
            serverKey: env.MIDTRANS_SERVER_KEY!,
            clientKey: env.MIDTRANS_CLIENT_KEY,
            production: env.MIDTRANS_PRODUCTION ?? false,
            baseUrl: env.MIDTRANS_BASE_URL?.replace(/\/+$/, ''),
          }
        : { kind: 'sandbox' },
    topUps: {
      packages: env.TOPUP_PACKAGES,
      expiryMinutes: env.TOPUP_EXPIRY_MINUTES,
      reconcileAfterMs: env.TOPUP_RECONCILE_AFTER_SECONDS * 1000,
      reconcileEverySeconds: env.TOPUP_RECONCILE_EVERY_SECONDS,
      notificationsPerMinute: env.RATE_LIMITS === 'off' ? null : env.PAYMENT_NOTIFICATIONS_PER_MINUTE,
    },
  };
}

/** The process environment, read here and nowhere else. */
export function loadConfig(overrides: Record<string, string | undefined> = {}): Config {
  return parseConfig({ ...process.env, ...overrides });
}

/** For an entry point (main.ts, worker.ts): the Config, or every problem on stderr and exit 1. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** What the example CLI (src/cli/example.ts) takes from its environment: a token to sign in with. */
export function loadExampleEnv(): { token: string | null } {
  return { token: process.env.ETALASE_TOKEN?.trim() || null };
}

/** glibc's allocator settings (src/runtime/allocator.ts) are read when a process starts, before any
 *  Config: the environment to start again with, or null when the operator set MALLOC_ARENA_MAX. */
export function allocatorRestartEnv(settings: Record<string, string>): Record<string, string | undefined> | null {
  return process.env.MALLOC_ARENA_MAX === undefined ? { ...process.env, ...settings } : null;
}
