// Keeps what this process stored in the last moments in memory, in front of any Storage: a job run
// by the worker inside the API process that just queued it (the usual case for `npm start`) reads its
// prepared copies back without a round trip to disk or Supabase. Bounded by bytes and age; every
// other worker reads from the store itself.
import type { Storage, StoredObject } from '../../studio/ports.js';

export function withRecentObjects(store: Storage, options: { maxBytes: number; ttlMs: number }): Storage {
  const recent = new Map<string, { object: StoredObject; at: number }>();
  let bytes = 0;
  const drop = (key: string) => {
    const entry = recent.get(key);
    if (!entry) return;
    bytes -= entry.object.bytes.byteLength;
    recent.delete(key);
  };
  const prune = (now: number) => {
    // Map iteration is insertion order: the oldest first.
    for (const [key, entry] of recent) {
      if (bytes <= options.maxBytes && now - entry.at <= options.ttlMs) break;
      drop(key);
    }
  };

  return {
    async put(key, data, contentType) {
      await store.put(key, data, contentType);
      drop(key);
      recent.set(key, { object: { bytes: data, contentType }, at: Date.now() });
      bytes += data.byteLength;
      prune(Date.now());
    },
    async get(key) {
      const entry = recent.get(key);
      if (entry && Date.now() - entry.at <= options.ttlMs) return entry.object;
      return store.get(key);
    },
    signedUrl: (key) => store.signedUrl(key),
    async removePrefix(prefix) {
      for (const key of [...recent.keys()]) if (key.startsWith(prefix)) drop(key);
      await store.removePrefix(prefix);
    },
  };
}
