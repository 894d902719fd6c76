// The only reader of process.env. Parsed once at start: every problem is listed, then the process
// exits; everything else receives the typed Config.
import path from 'node:path';
import { z } from 'zod';

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));
const optionalUrl = optionalText.pipe(z.url().optional());
/** true/false (also 1/0, yes/no); unset means `fallback`, decided after parsing when it depends on NODE_ENV */
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .optional()
  .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1' || v === 'yes'));

const envSchema = z
  .object({
    NODE_ENV: z.string().optional(),
    GRAPHQL_INTROSPECTION: flag,
    GRAPHIQL: flag,
    ALLOW_DEV_AUTH: flag,
    ALLOW_EMBEDDED_DB: flag,
    ALLOW_LOCAL_PROVIDERS: flag,

    RATE_LIMITS: z.enum(['on', 'off']).default('on'),
    MAX_ACTIVE_GENERATIONS: int(2, 1),
    GENERATIONS_PER_MINUTE: int(10, 1),
    QUERY_COST_PER_MINUTE: int(20_000, 1),
    MAX_QUERY_COST: int(5_000, 1),
    MAX_QUERY_DEPTH: int(10, 2),
    MAX_ALIASES: int(15, 1),
    // Capped: graphql-js parses recursively, and ~1 800 nested list literals overflow Node's stack.
    MAX_QUERY_TOKENS: z.coerce.number().int().min(100).max(1_500).default(1_000),
    MAX_DIRECTIVES: int(20, 1),
    MAX_SUBSCRIPTIONS_PER_USER: int(5, 1),
    SUBSCRIPTION_MAX_SECONDS: int(900, 1),
    REQUEST_TIMEOUT_MS: int(30_000, 1000),

    PORT: int(4000, 1),
    HOST: z.string().default('0.0.0.0'),
    PUBLIC_URL: optionalUrl,
    DATA_DIR: z.string().default('./.data'),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    CORS_ORIGINS: optionalText,

    SIGNUP_COINS: int(10),
    PRICE_TEXT_TO_IMAGE: int(1),
    PRICE_REFERENCE: int(2),

    MAX_FILES: int(6, 1),
    MAX_FILE_BYTES: int(10 * 1024 * 1024, 1024),
    MAX_PIXELS: int(40_000_000, 1),
    GENERATION_DEADLINE_MS: int(180_000, 1000),
    MEDIA_URL_TTL_SECONDS: int(3600, 1),
    WORKER_CONCURRENCY: int(4, 0),
    STORAGE: z.enum(['local', 'supabase']).default('local'),
    SUPABASE_STORAGE_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,62}$/).default('etalase-media'),
    WEBHOOK_SECRET: optionalText.pipe(z.string().regex(/^whsec_[A-Za-z0-9+/=]{20,}$/, 'must be whsec_ followed by a base64 key').optional()),
    WEBHOOK_ALLOW_LOOPBACK: z.enum(['true', 'false']).default('false'),

    AUTH: z.enum(['dev', 'supabase']).optional(),
    DESCRIBER: z.enum(['local', 'gemini']).optional(),
    GENERATOR: z.enum(['local', 'fal']).optional(),
    LEDGER: z.enum(['pglite', 'postgres', 'supabase']).optional(),
    EVENTS: z.enum(['memory', 'redis']).optional(),

    GEMINI_API_KEY: optionalText,
    GEMINI_MODEL: z.string().default('gemini-3.5-flash-lite'),
    PROMPT_WRITER: z.enum(['local', 'gemini']).optional(),
    GEMINI_PROMPT_MODEL: z.string().default('gemini-3.5-flash-lite'),
    PROMPT_WRITER_TIMEOUT_MS: int(5_000, 100),
    GEMINI_BASE_URL: optionalUrl,
    DESCRIBE_TIMEOUT_MS: int(15_000, 100),
    DESCRIBE_BUDGET_MS: int(30_000, 100),
    DESCRIBE_RETRIES: int(3),

    FAL_KEY: optionalText,
    FAL_TEXT_MODEL: z.string().default('fal-ai/flux/schnell'),
    FAL_EDIT_MODEL: z.string().default('fal-ai/bytedance/seedream/v4.5/edit'),
    FAL_EDIT_MAX_REFERENCES: z.coerce.number().int().min(1).optional(),
    FAL_BASE_URL: optionalUrl,

    DATABASE_URL: optionalUrl,
    DATABASE_POOL_MAX: int(10, 1),
    DATABASE_STATEMENT_TIMEOUT_MS: int(10_000, 100),

    SUPABASE_URL: optionalUrl,
    SUPABASE_SERVICE_ROLE_KEY: optionalText,
    SUPABASE_ANON_KEY: optionalText,
    SUPABASE_JWT_SECRET: optionalText,
    SUPABASE_JWT_ISSUER: optionalUrl,

    REDIS_URL: optionalUrl,

    LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
    METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    METRICS_TOKEN: optionalText,
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
    OTEL_SERVICE_NAME: z.string().trim().min(1).default('etalase'),
  });

// Checked on the raw environment so they are reported together with type errors, not after them.
function missingRequirements(raw: Record<string, string | undefined>): string[] {
  const set = (name: string) => Boolean(raw[name]?.trim());
  const rules: Array<[boolean, string, string]> = [
    [raw.DESCRIBER === 'gemini', 'GEMINI_API_KEY', 'DESCRIBER=gemini'],
    [raw.PROMPT_WRITER === 'gemini', 'GEMINI_API_KEY', 'PROMPT_WRITER=gemini'],
    [raw.GENERATOR === 'fal', 'FAL_KEY', 'GENERATOR=fal'],
    [raw.LEDGER === 'postgres', 'DATABASE_URL', 'LEDGER=postgres'],
    [raw.LEDGER === 'supabase', 'SUPABASE_URL', 'LEDGER=supabase'],
    [raw.LEDGER === 'supabase', 'SUPABASE_SERVICE_ROLE_KEY', 'LEDGER=supabase'],
    // The job queue lives in the project's Postgres: enqueued in the reservation's own transaction.
    [raw.LEDGER === 'supabase' || (!raw.LEDGER && !raw.DATABASE_URL?.trim() && Boolean(raw.SUPABASE_URL?.trim() && raw.SUPABASE_SERVICE_ROLE_KEY?.trim())), 'DATABASE_URL', 'LEDGER=supabase (the job queue uses the project\'s Postgres connection string)'],
    [raw.AUTH === 'supabase', 'SUPABASE_URL', 'AUTH=supabase'],
    [raw.STORAGE === 'supabase', 'SUPABASE_URL', 'STORAGE=supabase'],
    [raw.STORAGE === 'supabase', 'SUPABASE_SERVICE_ROLE_KEY', 'STORAGE=supabase'],
    [raw.EVENTS === 'redis', 'REDIS_URL', 'EVENTS=redis'],
  ];
  const problems = rules.filter(([when, name]) => when && !set(name)).map(([, name, why]) => `${name}: required when ${why}`);
  if (set('METRICS_PORT') && raw.METRICS_PORT?.trim() === (raw.PORT?.trim() || '4000')) problems.push('METRICS_PORT: must differ from PORT');
  return problems;
}

/** In production every development default must be asked for by name. */
function productionRefusals(env: Env, kinds: { auth: string; ledger: string; describer: string; generator: string }): string[] {
  if (env.NODE_ENV !== 'production') return [];
  const refusals: Array<[boolean, string]> = [
    [kinds.auth === 'dev' && !env.ALLOW_DEV_AUTH,
      'AUTH=dev: dev tokens are refused in production; configure SUPABASE_URL (AUTH=supabase) or set ALLOW_DEV_AUTH=true'],
    [kinds.ledger === 'pglite' && !env.ALLOW_EMBEDDED_DB,
      'LEDGER=pglite: the embedded database is refused in production; set DATABASE_URL or SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY, or ALLOW_EMBEDDED_DB=true'],
    [kinds.describer === 'local' && !env.ALLOW_LOCAL_PROVIDERS,
      'DESCRIBER=local: the offline describer is refused in production; set GEMINI_API_KEY or ALLOW_LOCAL_PROVIDERS=true'],
    [kinds.generator === 'local' && !env.ALLOW_LOCAL_PROVIDERS,
      'GENERATOR=local: the offline generator is refused in production; set FAL_KEY or ALLOW_LOCAL_PROVIDERS=true'],
  ];
  return refusals.filter(([refused]) => refused).map(([, problem]) => problem);
}

type Env = z.infer<typeof envSchema>;

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
  coins: { signup: number; textToImage: number; reference: number };
  limits: { maxFiles: number; maxFileBytes: number; maxPixels: number };
  generationDeadlineMs: number;
  /** how long a signed image URL stays valid */
  mediaUrlTtlSeconds: number;
  /** jobs this process runs at once; 0 = API only */
  workerConcurrency: number;
  /** where prepared uploads and generated images are kept */
  storage: { kind: 'local' } | { kind: 'supabase'; url: string; serviceRoleKey: string; bucket: string };
  /** null: webhookUrl is refused */
  webhooks: { secret: string; allowLoopback: boolean } | null;
  auth:
    | { kind: 'dev' }
    | { kind: 'supabase'; url: string; issuer: string; jwtSecret?: string; rejectKeys: string[] };
  describer:
    | { kind: 'local' }
    | { kind: 'gemini'; apiKey: string; model: string; baseUrl?: string; timeoutMs: number; budgetMs: number; retries: number };
  promptWriter: { kind: 'local' } | { kind: 'gemini'; apiKey: string; model: string; baseUrl?: string; timeoutMs: number };
  /** how long the prompt writer may take before the composed prompt is used */
  promptWriterTimeoutMs: number;
  generator:
    | { kind: 'local' }
    /** maxReferences: undefined → the edit model's profile says */
    | { kind: 'fal'; key: string; textModel: string; editModel: string; maxReferences?: number; baseUrl?: string };
  ledger:
    | { kind: 'pglite'; dir: string }
    | { kind: 'postgres'; url: string; poolMax: number; statementTimeoutMs: number }
    | { kind: 'supabase'; url: string; serviceRoleKey: string; queue: { url: string; poolMax: number; statementTimeoutMs: number } };
  events: { kind: 'memory' } | { kind: 'redis'; url: string };
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
  const generatorKind = env.GENERATOR ?? (env.FAL_KEY ? 'fal' : 'local');
  const ledgerKind =
    env.LEDGER ?? (env.DATABASE_URL ? 'postgres' : env.SUPABASE_URL && env.SUPABASE_SERVICE_ROLE_KEY ? 'supabase' : 'pglite');
  const supabaseUrl = env.SUPABASE_URL?.replace(/\/+$/, '');
  problems.push(...productionRefusals(env, { auth: authKind, ledger: ledgerKind, describer: describerKind, generator: generatorKind }));
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
    coins: { signup: env.SIGNUP_COINS, textToImage: env.PRICE_TEXT_TO_IMAGE, reference: env.PRICE_REFERENCE },
    limits: { maxFiles: env.MAX_FILES, maxFileBytes: env.MAX_FILE_BYTES, maxPixels: env.MAX_PIXELS },
    generationDeadlineMs: env.GENERATION_DEADLINE_MS,
    mediaUrlTtlSeconds: env.MEDIA_URL_TTL_SECONDS,
    workerConcurrency: env.WORKER_CONCURRENCY,
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
          }
        : { kind: 'local' },
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
    ledger:
      ledgerKind === 'postgres'
        ? {
            kind: 'postgres',
            url: env.DATABASE_URL!,
            poolMax: env.DATABASE_POOL_MAX,
            statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
          }
        : ledgerKind === 'supabase'
          ? {
              kind: 'supabase',
              url: supabaseUrl!,
              serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY!,
              queue: { url: env.DATABASE_URL!, poolMax: env.DATABASE_POOL_MAX, statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS },
            }
          : { kind: 'pglite', dir: path.join(dataDir, 'pglite') },
    events: (env.EVENTS ?? (env.REDIS_URL ? 'redis' : 'memory')) === 'redis' ? { kind: 'redis', url: env.REDIS_URL! } : { kind: 'memory' },
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
