// What must never reach a log line or an exported span: credentials by field name at any depth,
// configured secret values and bearer-like credentials inside any string, and raw bytes.
import type { Config } from '../config.js';

export const REDACTED = '[Redacted]';

const SENSITIVE_KEYS = new Set([
  'authorization', 'proxyauthorization', 'cookie', 'setcookie', 'token', 'bearer', 'password', 'passwd',
  'secret', 'key', 'apikey', 'xapikey', 'xgoogapikey', 'credentials', 'falkey', 'geminiapikey',
  'servicerolekey', 'anonkey', 'jwtsecret', 'devsecret', 'metricstoken', 'rejectkeys', 'connectionstring',
]);

export function isSensitiveKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z]/g, '');
  return SENSITIVE_KEYS.has(k) || /(token|secret|password|apikey|servicerolekey|anonkey)$/.test(k);
}

const PATTERNS: Array<[RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  // fal's "Authorization: Key <id>:<secret>"
  [/\bKey\s+[A-Za-z0-9_-]+:[A-Za-z0-9_-]+/g, `Key ${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+/g, REDACTED],
  // Etalase API keys (etl_ + 43): blanked past their 12-character prefix, which their owner is shown
  [/\b(etl_[A-Za-z0-9_-]{8})[A-Za-z0-9_-]{8,}/g, `$1${REDACTED}`],
  // user:password@ in connection URLs
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s]+@/gi, `$1${REDACTED}@`],
];

export type Scrubber = {
  text(value: string): string;
  /** a plain-data copy safe to serialise: sensitive fields, secrets in strings and bytes removed */
  value(value: unknown): unknown;
};

/** Every secret the configuration holds, so that its exact value is blanked wherever it appears. */
export function configSecrets(config: Config): string[] {
  const secrets: Array<string | undefined | null> = [config.metrics.token];
  if (config.describer.kind === 'gemini') secrets.push(config.describer.apiKey);
  if (config.generator.kind === 'fal') secrets.push(config.generator.key, ...config.generator.key.split(':'));
  if (config.storage.kind === 'supabase') secrets.push(config.storage.serviceRoleKey);
  if (config.ledger.kind !== 'pglite') secrets.push(passwordOf(config.ledger.url));
  if (config.auth.kind === 'supabase') secrets.push(config.auth.jwtSecret, ...config.auth.rejectKeys);
  if (config.events.kind === 'redis') secrets.push(passwordOf(config.events.url));
  if (config.payments.kind === 'midtrans') secrets.push(config.payments.serverKey);
  // Short values would blank ordinary words.
  return [...new Set(secrets.filter((s): s is string => !!s && s.length >= 6))].sort((a, b) => b.length - a.length);
}

function passwordOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

export function createScrubber(secrets: string[] = []): Scrubber {
  const text = (input: string): string => {
    let out = input;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  };
  const value = (input: unknown, depth = 0, seen = new WeakSet<object>()): unknown => {
    if (typeof input === 'string') return text(input);
    if (input === null || typeof input !== 'object') return typeof input === 'function' ? undefined : input;
    if (ArrayBuffer.isView(input) || input instanceof ArrayBuffer) return `[${input.byteLength} bytes]`;
    if (input instanceof Date) return input.toISOString();
    if (seen.has(input) || depth > 6) return '[…]';
    seen.add(input);
    if (input instanceof Error) {
      const error: Record<string, unknown> = { type: input.name, message: text(input.message) };
      if (input.stack) error.stack = text(input.stack);
      if (input.cause !== undefined) error.cause = value(input.cause, depth + 1, seen);
      return error;
    }
    if (Array.isArray(input)) return input.map((item) => value(item, depth + 1, seen));
    if (input instanceof Headers) return value(Object.fromEntries(input), depth, seen);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(input)) out[key] = isSensitiveKey(key) ? REDACTED : value(item, depth + 1, seen);
    return out;
  };
  return { text, value: (input) => value(input) };
}
