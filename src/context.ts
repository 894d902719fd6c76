// Per-request context: who is asking (from the bearer token: a session token or an API key) and the
// services resolvers call.
import type { Authenticator, Viewer } from './adapters/auth/authenticator.js';
import type { ApiKeyService } from './studio/api-keys.js';
import type { Remakes } from './studio/remakes.js';
import type { Exports } from './studio/exports.js';
import type { Downloads } from './http/downloads.js';
import type { Catalogs } from './studio/catalogs.js';
import type { Clips } from './studio/clips.js';
import type { Studio } from './studio/start.js';
import type { TopUpService } from './studio/topups.js';
import type { EventBus, Ledger, Storage } from './studio/ports.js';

export interface Services {
  studio: Studio;
  /** clips: startVideo, video(id), cancelVideo, an image's videos */
  clips: Clips;
  /** catalogues: startCatalog, catalog(id), me.catalogs, cancelCatalog */
  catalogs: Catalogs;
  ledger: Ledger;
  events: EventBus;
  /** open subscriptions per user (null: no cap) and how long any one may stay open */
  subscriptions: { maxPerUser: number | null; maxSeconds: number };
  storage: Storage;
  /** buying coins: packages, orders, the gateway's notifications */
  topUps: TopUpService;
  apiKeys: ApiKeyService;
  /** remakeImage: free re-makes of images that failed the review */
  remakes: Remakes;
  /** exportImage: an image made to a marketplace preset */
  exports: Exports;
  /** a batch's and a catalogue's ZIP behind signed links */
  downloads: Downloads;
}

export interface Context {
  viewer: Viewer | null;
  services: Services;
  /** the TCP peer (a proxy's address behind one); null in-process */
  clientAddress: string | null;
}

export async function viewerFrom(request: Request, authenticator: Authenticator): Promise<Viewer | null> {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? authenticator.verify(match[1]!) : null;
}
