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

const envSchema = z
  .object({
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
    GEMINI_MODEL: z.string().default('gemini-2.5-flash-lite'),
    GEMINI_BASE_URL: optionalUrl,
    DESCRIBE_TIMEOUT_MS: int(15_000, 100),
    DESCRIBE_BUDGET_MS: int(30_000, 100),
    DESCRIBE_RETRIES: int(3),

    FAL_KEY: optionalText,
    FAL_TEXT_MODEL: z.string().default('fal-ai/flux/schnell'),
    FAL_EDIT_MODEL: z.string().default('fal-ai/bytedance/seedream/v4/edit'),
    FAL_EDIT_MAX_REFERENCES: int(10, 1),
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

  });

// Checked on the raw environment so they are reported together with type errors, not after them.
function missingRequirements(raw: Record<string, string | undefined>): string[] {
  const set = (name: string) => Boolean(raw[name]?.trim());
  const rules: Array<[boolean, string, string]> = [
    [raw.DESCRIBER === 'gemini', 'GEMINI_API_KEY', 'DESCRIBER=gemini'],
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
  return rules.filter(([when, name]) => when && !set(name)).map(([, name, why]) => `${name}: required when ${why}`);
}

type Env = z.infer<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  logLevel: Env['LOG_LEVEL'];
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
  generator:
    | { kind: 'local' }
    | { kind: 'fal'; key: string; textModel: string; editModel: string; maxReferences: number; baseUrl?: string };
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
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const env = parsed.data;
  const dataDir = path.resolve(env.DATA_DIR);
  const authKind = env.AUTH ?? (env.SUPABASE_URL ? 'supabase' : 'dev');
  const describerKind = env.DESCRIBER ?? (env.GEMINI_API_KEY ? 'gemini' : 'local');
  const generatorKind = env.GENERATOR ?? (env.FAL_KEY ? 'fal' : 'local');
  const ledgerKind =
    env.LEDGER ?? (env.DATABASE_URL ? 'postgres' : env.SUPABASE_URL && env.SUPABASE_SERVICE_ROLE_KEY ? 'supabase' : 'pglite');
  const supabaseUrl = env.SUPABASE_URL?.replace(/\/+$/, '');

  return {
    port: env.PORT,
    host: env.HOST,
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    dataDir,
    logLevel: env.LOG_LEVEL,
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
