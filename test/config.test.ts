// Configuration: parsed once, every problem listed, providers chosen by what is configured.
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';

describe('parseConfig', () => {
  test('the offline default needs nothing', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      port: 4000,
      publicUrl: 'http://localhost:4000',
      coins: { signup: 10, textToImage: 1, reference: 2 },
      limits: { maxFiles: 6, maxFileBytes: 10 * 1024 * 1024, maxPixels: 40_000_000 },
      auth: { kind: 'dev' },
      describer: { kind: 'local' },
      generator: { kind: 'local' },
      ledger: { kind: 'pglite' },
      storage: { kind: 'local' },
      workerConcurrency: 4,
      mediaUrlTtlSeconds: 3600,
      webhooks: null,
    });
  });

  test('Supabase Storage, workers and webhooks by configuration', () => {
    const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    const config = parseConfig({
      SUPABASE_URL: 'https://abc.supabase.co',
      SUPABASE_SERVICE_ROLE_KEY: 's',
      STORAGE: 'supabase',
      DATABASE_URL: 'postgres://u@h:5432/db',
      WORKER_CONCURRENCY: '0',
      WEBHOOK_SECRET: secret,
    });
    expect(config.storage).toEqual({ kind: 'supabase', url: 'https://abc.supabase.co', serviceRoleKey: 's', bucket: 'etalase-media' });
    expect(config.workerConcurrency).toBe(0);
    expect(config.webhooks).toEqual({ secret, allowLoopback: false });
    expect(() => parseConfig({ STORAGE: 'supabase', WEBHOOK_SECRET: 'plain' })).toThrow(
      /SUPABASE_URL: required when STORAGE=supabase[\s\S]*SUPABASE_SERVICE_ROLE_KEY: required when STORAGE=supabase|WEBHOOK_SECRET/,
    );
  });

  test('keys switch the real providers on', () => {
    const config = parseConfig({ GEMINI_API_KEY: 'g', FAL_KEY: 'f', DATABASE_URL: 'postgres://u@h:5432/db' });
    expect(config.describer).toMatchObject({ kind: 'gemini', model: 'gemini-3.5-flash-lite' });
    expect(config.promptWriter).toMatchObject({ kind: 'gemini', model: 'gemini-3.5-flash-lite' });
    expect(config.generator).toMatchObject({ kind: 'fal', textModel: 'fal-ai/flux/schnell', editModel: 'fal-ai/bytedance/seedream/v4.5/edit' });
    expect(config.ledger.kind).toBe('postgres');
  });

  test("Supabase: auth from the project URL and keys; the ledger and the job queue on its Postgres, migrated by the Supabase CLI", () => {
    const db = 'postgres://postgres@db.abc.supabase.co:5432/postgres';
    const config = parseConfig({ SUPABASE_URL: 'https://abc.supabase.co/', SUPABASE_SERVICE_ROLE_KEY: 's', SUPABASE_ANON_KEY: 'a', LEDGER: 'supabase', DATABASE_URL: db });
    expect(config.auth).toEqual({ kind: 'supabase', url: 'https://abc.supabase.co', issuer: 'https://abc.supabase.co/auth/v1', jwtSecret: undefined, rejectKeys: ['a', 's'] });
    expect(config.ledger).toEqual({ kind: 'supabase', url: db, poolMax: 10, statementTimeoutMs: 10_000 });
    // without the connection string there is nowhere to keep the ledger
    expect(() => parseConfig({ SUPABASE_URL: 'https://abc.supabase.co/', SUPABASE_SERVICE_ROLE_KEY: 's' })).toThrow(/DATABASE_URL: required when LEDGER=supabase/);
  });

  test('every problem is listed at once', () => {
    let error: unknown;
    try {
      parseConfig({ PORT: 'eighty', SIGNUP_COINS: '-1', GENERATOR: 'fal', LEDGER: 'postgres', DATABASE_URL: 'not a url' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const variable of ['PORT', 'SIGNUP_COINS', 'DATABASE_URL']) expect(problems).toContain(variable);
  });

  test('a missing key for a chosen provider is named', () => {
    expect(() => parseConfig({ GENERATOR: 'fal' })).toThrow(/FAL_KEY: required when GENERATOR=fal/);
  });
});

test('the server refuses to start on a bad configuration and says why', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: new URL('..', import.meta.url).pathname,
    env: { PATH: process.env.PATH, PORT: 'nope', DESCRIBER: 'gemini' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('PORT');
  expect(run.stderr).toContain('GEMINI_API_KEY');
});
