// Config → adapters. Vendor SDKs are imported only when configured, so the offline default starts
// without loading them.
import type { Authenticator } from './auth/authenticator.js';
import type { Config } from '../config.js';
import type { Clock, Describer, Generator, Ledger, Logger, Storage } from '../studio/ports.js';
import type { MediaLookup } from './storage/local.js';

export async function openLedger(config: Config, log?: Logger): Promise<Ledger> {
  const c = config.ledger;
  if (c.kind === 'postgres') {
    return (await import('./ledger/postgres.js')).openPostgresLedger(c, {
      onError: (error) => log?.error('postgres connection error', { error: error.message }),
    });
  }
  if (c.kind === 'supabase') return (await import('./ledger/supabase.js')).openSupabaseLedger(c);
  return (await import('./ledger/pglite.js')).openPgliteLedger(c.dir);
}

export async function openDescriber(config: Config): Promise<Describer> {
  const c = config.describer;
  if (c.kind === 'gemini') return (await import('./describe/gemini.js')).createGeminiDescriber(c);
  return (await import('./describe/local.js')).createLocalDescriber();
}

export async function openGenerator(config: Config, log: Logger): Promise<Generator> {
  const c = config.generator;
  if (c.kind === 'fal') return (await import('./generate/fal.js')).createFalGenerator(c, { log: (message, detail) => log.error(message, detail) });
  return (await import('./generate/local.js')).createLocalGenerator();
}

export async function openAuthenticator(config: Config, log: Logger): Promise<Authenticator> {
  const c = config.auth;
  if (c.kind === 'supabase') {
    return (await import('./auth/supabase.js')).createSupabaseAuthenticator(c, {
      onKeyServerError: (error) => log.warn('Supabase key server unreachable; tokens refused until it answers', { error: String(error) }),
    });
  }
  const dev = await import('./auth/dev.js');
  return dev.createDevAuthenticator(await dev.loadDevSecret(config.dataDir));
}

/** The store for inputs and outputs, and the /media/ route when it serves the files itself. */
export async function openStorage(
  config: Config,
  clock?: Clock,
): Promise<{ storage: Storage; lookup: ((url: URL) => Promise<MediaLookup | null>) | null }> {
  const local = await (await import('./storage/local.js')).createLocalStorage({
    dataDir: config.dataDir,
    publicUrl: config.publicUrl,
    ttlSeconds: config.mediaUrlTtlSeconds,
    clock,
  });
  return { storage: local, lookup: local.lookup };
}
