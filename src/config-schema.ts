// The variables Etalase reads, as a zod schema, and the rules across them (what each choice requires,
// what production refuses). Pure: config.ts applies them to process.env.
import { z } from 'zod';
import { parsePackages } from './studio/topups.js';
import { DEFAULT_VIDEO_MODEL, videoModelIds } from './studio/video-profiles.js';

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

export const envSchema = z
  .object({
    NODE_ENV: z.string().optional(),
    GRAPHQL_INTROSPECTION: flag,
    GRAPHIQL: flag,
    ALLOW_DEV_AUTH: flag,
    ALLOW_EMBEDDED_DB: flag,
    ALLOW_LOCAL_PROVIDERS: flag,
    ALLOW_SANDBOX_PAYMENTS: flag,

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
    PRICE_VIDEO_PER_SECOND: int(1),
    PRICE_VIDEO_CLIP: int(0),
    PRICE_PACKSHOT: int(1),
    PRICE_EXPORT: int(0),

    MAX_FILES: int(6, 1),
    MAX_FILE_BYTES: int(10 * 1024 * 1024, 1024),
    // A catalogue's ZIP (startCatalog's zip): held in memory like any upload, under UPLOAD_MEMORY_MB.
    CATALOG_ZIP_MAX_BYTES: int(100 * 1024 * 1024, 1024),
    MAX_PIXELS: int(40_000_000, 1),
    UPLOAD_MEMORY_MB: int(96, 1),
    UPLOAD_WAIT_MS: int(120_000, 100),
    GENERATION_DEADLINE_MS: int(180_000, 1000),
    VIDEO_DEADLINE_MS: int(600_000, 1000),
    MEDIA_URL_TTL_SECONDS: int(3600, 1),
    WORKER_CONCURRENCY: int(4, 0),
    // At most this many jobs of one seller run at once across all workers (unset: one less than
    // WORKER_CONCURRENCY, so another seller always finds a worker; 0: no cap).
    WORKER_JOBS_PER_SELLER: z.coerce.number().int().min(0).optional(),
    STORAGE: z.enum(['local', 'supabase']).default('local'),
    SUPABASE_STORAGE_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,62}$/).default('etalase-media'),
    WEBHOOK_SECRET: optionalText.pipe(z.string().regex(/^whsec_[A-Za-z0-9+/=]{20,}$/, 'must be whsec_ followed by a base64 key').optional()),
    WEBHOOK_ALLOW_LOOPBACK: z.enum(['true', 'false']).default('false'),

    AUTH: z.enum(['dev', 'supabase']).optional(),
    DESCRIBER: z.enum(['local', 'gemini']).optional(),
    GENERATOR: z.enum(['local', 'fal']).optional(),
    VIDEO: z.enum(['local', 'fal']).optional(),
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
    GEMINI_MEDIA_RESOLUTION: z.enum(['low', 'medium', 'high']).optional(),
    REVIEWER: z.enum(['local', 'gemini']).optional(),
    GEMINI_REVIEW_MODEL: z.string().default('gemini-3.5-flash-lite'),
    REVIEW_TIMEOUT_MS: int(20_000, 100),
    REVIEW_REMAKES: int(1),

    FAL_KEY: optionalText,
    FAL_TEXT_MODEL: z.string().default('fal-ai/flux/schnell'),
    FAL_EDIT_MODEL: z.string().default('fal-ai/bytedance/seedream/v4.5/edit'),
    FAL_EDIT_MAX_REFERENCES: z.coerce.number().int().min(1).optional(),
    FAL_BASE_URL: optionalUrl,
    VIDEO_MODEL: z
      .enum(videoModelIds().filter((id) => id !== 'local') as [string, ...string[]])
      .default(DEFAULT_VIDEO_MODEL),
    VIDEO_RESOLUTION: z.enum(['480p', '720p']).default('720p'),
    FFMPEG_PATH: optionalText,
    CUTOUT: z.enum(['local', 'fal']).optional(),
    CUTOUT_MODEL: z.string().default('fal-ai/birefnet/v2'),
    CUTOUT_TIMEOUT_MS: int(60_000, 100),

    DATABASE_URL: optionalUrl,
    DATABASE_POOL_MAX: int(10, 1),
    DATABASE_STATEMENT_TIMEOUT_MS: int(10_000, 100),

    SUPABASE_URL: optionalUrl,
    SUPABASE_SERVICE_ROLE_KEY: optionalText,
    SUPABASE_ANON_KEY: optionalText,
    SUPABASE_JWT_SECRET: optionalText,
    SUPABASE_JWT_ISSUER: optionalUrl,

    REDIS_URL: optionalUrl,

    PAYMENTS: z.enum(['sandbox', 'midtrans']).optional(),
    MIDTRANS_SERVER_KEY: optionalText,
    MIDTRANS_CLIENT_KEY: optionalText,
    MIDTRANS_PRODUCTION: flag,
    MIDTRANS_BASE_URL: optionalUrl,
    TOPUP_PACKAGES: z
      .string()
      .default('hemat:25:25000,populer:60:55000,grosir:150:125000')
      .transform((text, ctx) => {
        const packages = parsePackages(text);
        if (typeof packages === 'string') {
          ctx.addIssue({ code: 'custom', message: `${packages}; e.g. hemat:25:25000,populer:60:55000` });
          return z.NEVER;
        }
        return packages;
      }),
    TOPUP_EXPIRY_MINUTES: int(1440, 5),
    TOPUP_RECONCILE_AFTER_SECONDS: int(300, 1),
    TOPUP_RECONCILE_EVERY_SECONDS: int(60, 1),
    PAYMENT_NOTIFICATIONS_PER_MINUTE: int(600, 1),

    LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
    METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    METRICS_TOKEN: optionalText,
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
    OTEL_SERVICE_NAME: z.string().trim().min(1).default('etalase'),
  });

/** Which database holds the ledger: LEDGER, else DATABASE_URL (Postgres), else a Supabase project
 *  (its Postgres, still by DATABASE_URL), else the embedded one. */
export function ledgerKindOf(raw: { LEDGER?: string; DATABASE_URL?: string; SUPABASE_URL?: string; SUPABASE_SERVICE_ROLE_KEY?: string }): 'pglite' | 'postgres' | 'supabase' {
  const set = (name: keyof typeof raw) => Boolean(raw[name]?.trim());
  if (raw.LEDGER === 'pglite' || raw.LEDGER === 'postgres' || raw.LEDGER === 'supabase') return raw.LEDGER;
  return set('DATABASE_URL') ? 'postgres' : set('SUPABASE_URL') && set('SUPABASE_SERVICE_ROLE_KEY') ? 'supabase' : 'pglite';
}

// Checked on the raw environment so they are reported together with type errors, not after them.
export function missingRequirements(raw: Record<string, string | undefined>): string[] {
  const set = (name: string) => Boolean(raw[name]?.trim());
  const rules: Array<[boolean, string, string]> = [
    [raw.DESCRIBER === 'gemini', 'GEMINI_API_KEY', 'DESCRIBER=gemini'],
    [raw.PROMPT_WRITER === 'gemini', 'GEMINI_API_KEY', 'PROMPT_WRITER=gemini'],
    [raw.REVIEWER === 'gemini', 'GEMINI_API_KEY', 'REVIEWER=gemini'],
    [raw.GENERATOR === 'fal', 'FAL_KEY', 'GENERATOR=fal'],
    [raw.VIDEO === 'fal', 'FAL_KEY', 'VIDEO=fal'],
    [raw.CUTOUT === 'fal', 'FAL_KEY', 'CUTOUT=fal'],
    [raw.LEDGER === 'postgres', 'DATABASE_URL', 'LEDGER=postgres'],
    // Supabase's database is Postgres: the ledger and the job queue reach it by its connection string.
    [ledgerKindOf(raw) === 'supabase', 'DATABASE_URL', "LEDGER=supabase (the project's Postgres connection string)"],
    [raw.AUTH === 'supabase', 'SUPABASE_URL', 'AUTH=supabase'],
    [raw.STORAGE === 'supabase', 'SUPABASE_URL', 'STORAGE=supabase'],
    [raw.STORAGE === 'supabase', 'SUPABASE_SERVICE_ROLE_KEY', 'STORAGE=supabase'],
    [raw.EVENTS === 'redis', 'REDIS_URL', 'EVENTS=redis'],
    [raw.PAYMENTS === 'midtrans', 'MIDTRANS_SERVER_KEY', 'PAYMENTS=midtrans'],
  ];
  const problems = rules.filter(([when, name]) => when && !set(name)).map(([, name, why]) => `${name}: required when ${why}`);
  if (set('METRICS_PORT') && raw.METRICS_PORT?.trim() === (raw.PORT?.trim() || '4000')) problems.push('METRICS_PORT: must differ from PORT');
  return problems;
}

/** In production every development default must be asked for by name. */
export function productionRefusals(env: Env, kinds: { auth: string; ledger: string; describer: string; generator: string; payments: string; video: string }): string[] {
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
    // Either sandbox credits coins nobody paid for: ours (anyone presses Pay) or Midtrans' (test cards).
    [kinds.payments === 'sandbox' && !env.ALLOW_SANDBOX_PAYMENTS,
      'PAYMENTS=sandbox: the sandbox gateway (coins for a button press) is refused in production; set MIDTRANS_SERVER_KEY with MIDTRANS_PRODUCTION=true, or ALLOW_SANDBOX_PAYMENTS=true'],
    [kinds.payments === 'midtrans' && !env.MIDTRANS_PRODUCTION && !env.ALLOW_SANDBOX_PAYMENTS,
      "PAYMENTS=midtrans without MIDTRANS_PRODUCTION=true: Midtrans' sandbox (test payments) is refused in production; set MIDTRANS_PRODUCTION=true, or ALLOW_SANDBOX_PAYMENTS=true"],
    [kinds.video === 'local' && !env.ALLOW_LOCAL_PROVIDERS,
      'VIDEO=local: the offline video maker is refused in production; set FAL_KEY or ALLOW_LOCAL_PROVIDERS=true'],
  ];
  return refusals.filter(([refused]) => refused).map(([, problem]) => problem);
}

export type Env = z.infer<typeof envSchema>;
