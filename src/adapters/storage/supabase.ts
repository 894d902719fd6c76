// Storage on Supabase Storage: a private bucket (created by a migration), reached with the service
// role key. Nothing in it is public; readers get Supabase's own signed URLs, which expire after
// MEDIA_URL_TTL_SECONDS and are made afresh each time a generation is read.
import { createClient } from '@supabase/supabase-js';
import ws from 'ws';
import type { Storage, StoredObject } from '../../studio/ports.js';
import { contentTypeOf, KEY_PATTERN } from './local.js';

export interface SupabaseStorageConfig {
  url: string;
  serviceRoleKey: string;
  bucket: string;
  ttlSeconds: number;
}

export interface SupabaseStorageOptions {
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const PREFIX_PATTERN = /^(inputs|outputs)\/[A-Za-z0-9-]{1,100}\/$/;

const statusOf = (error: unknown): number | undefined => {
  const e = error as { status?: number; statusCode?: string | number; originalError?: { status?: number } };
  return e?.status ?? e?.originalError?.status ?? (e?.statusCode ? Number(e.statusCode) : undefined);
};

export function createSupabaseStorage(config: SupabaseStorageConfig, options: SupabaseStorageOptions = {}): Storage {
  const baseFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const client = createClient(config.url, config.serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: ws as never },
    global: {
      fetch: (input, init) => {
        const timeout = AbortSignal.timeout(timeoutMs);
        return baseFetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
      },
    },
  });
  const bucket = () => client.storage.from(config.bucket);
  const checked = (key: string) => {
    if (!KEY_PATTERN.test(key)) throw new Error(`invalid storage key: ${key}`);
    return key;
  };

  return {
    async put(key, bytes, contentType) {
      const { error } = await bucket().upload(checked(key), bytes, { contentType, upsert: true, cacheControl: '0' });
      if (error) throw new Error(`storage upload ${key}: ${error.message}`);
    },

    async get(key): Promise<StoredObject | null> {
      const { data, error } = await bucket().download(checked(key));
      if (error) {
        // Storage answers a missing object with 400 (statusCode "404") or 404.
        const status = statusOf(error);
        if (status === 400 || status === 404 || /not.?found/i.test(error.message)) return null;
        throw new Error(`storage download ${key}: ${error.message}`);
      }
      return { bytes: new Uint8Array(await data.arrayBuffer()), contentType: data.type || contentTypeOf(key) };
    },

    async signedUrl(key) {
      const { data, error } = await bucket().createSignedUrl(checked(key), config.ttlSeconds);
      if (error || !data) throw new Error(`storage sign ${key}: ${error?.message ?? 'no URL'}`);
      return data.signedUrl;
    },

    async removePrefix(prefix) {
      if (!PREFIX_PATTERN.test(prefix)) throw new Error(`invalid storage prefix: ${prefix}`);
      const { data, error } = await bucket().list(prefix.slice(0, -1), { limit: 100 });
      if (error) throw new Error(`storage list ${prefix}: ${error.message}`);
      const paths = (data ?? []).map((f) => `${prefix}${f.name}`);
      if (paths.length === 0) return;
      const removed = await bucket().remove(paths);
      if (removed.error) throw new Error(`storage remove ${prefix}: ${removed.error.message}`);
    },
  };
}
