// The small services every part uses: time, ids, our own object store, the log.

export interface Clock {
  now(): Date;
}

export interface Ids {
  uuid(): string;
}

export interface StoredObject {
  bytes: Uint8Array;
  contentType: string;
}

/** Our own copies of what a job needs (the prepared uploads) and what it made (every output image).
 *  Nothing in it is public: readers get URLs that are signed and expire. */
export interface Storage {
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  get(key: string): Promise<StoredObject | null>;
  /** a URL that reads `key` until it expires (MEDIA_URL_TTL_SECONDS) */
  signedUrl(key: string): Promise<string>;
  /** removes every object under `prefix` (a job's inputs once it is settled); best effort */
  removePrefix(prefix: string): Promise<void>;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** How long a stopping process lets running jobs and requests finish (SIGINT/SIGTERM, close()). */
export const SHUTDOWN_GRACE_MS = 25_000;
