// The studio's ports: everything the studio needs from the outside world, as small interfaces, one
// file per concern under ports/. Adapters (src/adapters/*) implement them; the studio never imports an
// adapter or a vendor SDK. Import from here.
import type { Books, Coins } from './ports/coins.js';
import type { FairUse, SubscriptionLeases } from './ports/limits.js';
import type { DescriptionCache } from './ports/providers.js';
import type { GenerationStore } from './ports/records.js';
import type { RemakeStore } from './ports/remakes.js';
export * from './ports/api-keys.js';
export * from './ports/basics.js';
export * from './ports/catalogs.js';
export * from './ports/coins.js';
export * from './ports/cutout.js';
export * from './ports/events.js';
export * from './ports/exports.js';
export * from './ports/images.js';
export * from './ports/jobs.js';
export * from './ports/limits.js';
export * from './ports/payments.js';
export * from './ports/periodic.js';
export * from './ports/providers.js';
export * from './ports/records.js';
export * from './ports/remakes.js';
export * from './ports/review.js';
export * from './ports/telemetry.js';
export * from './ports/topups.js';
export * from './ports/video-maker.js';
export * from './ports/videos.js';

/** What one database adapter (SQL over PGlite or Postgres) implements: every port kept in the ledger's
 *  database. The studio's modules take only the ports they use. */
export type Ledger = Coins & Books & GenerationStore & RemakeStore & DescriptionCache & FairUse & SubscriptionLeases & { close(): Promise<void> };
