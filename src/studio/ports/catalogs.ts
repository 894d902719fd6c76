// Catalogues: many products in one request. Each item is an ordinary generation (its own job, debit
// and refund); the catalogue row ties them together. The rules (all items reserved or none, the
// catalogue finished once) are SQL (supabase/migrations/20261205000200_catalogs.sql).
import type { StyleOptionsInput } from '../options.js';
import type { GenerationStatus } from './images.js';
import type { Reservation } from './jobs.js';
import type { GenerationReservation, Ordinal } from './records.js';

export const MAX_CATALOG_ITEMS = 50;

/** QUEUED: nothing started yet; PARTIAL: finished with some items failed or canceled. */
export type CatalogStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'PARTIAL' | 'FAILED' | 'CANCELED';

export interface CatalogItemState {
  sku: string;
  generationId: string;
  status: GenerationStatus;
}

export interface CatalogRecord {
  id: string;
  userId: string;
  status: CatalogStatus;
  itemCount: number;
  /** coins reserved for every item at the start */
  cost: number;
  /** coins given back for the items that failed or were canceled */
  refunded: number;
  done: number;
  failed: number;
  canceled: number;
  idempotencyKey: string | null;
  webhookUrl: string | null;
  items: CatalogItemState[];
  createdAt: Date;
  canceledAt: Date | null;
  /** when the last item settled (the catalog.finished webhook is queued then) */
  finishedAt: Date | null;
}

/** One item of a catalogue's reservation: a generation's, named by its SKU. */
export type CatalogItemReservation = Omit<GenerationReservation, 'idempotencyKey' | 'kind'> & { sku: string };

/** Every item, its row and its debit, in one SQL transaction with every item's job. */
export interface CatalogReservation extends Reservation {
  kind: 'catalog';
  webhookUrl: string | null;
  items: CatalogItemReservation[];
}

export interface CatalogStore {
  catalog(id: string): Promise<CatalogRecord | null>;
  /** the seller's catalogues, newest first, paged like GenerationStore.generations */
  catalogs(userId: string, limit: number, before?: number): Promise<Array<Ordinal<CatalogRecord>>>;
  /** true for the one call that finds every item finished and marks the catalogue so */
  settle(id: string): Promise<boolean>;
  /** marks it canceled; the ids of its items still unfinished (to cancel through the machinery) */
  cancel(id: string): Promise<string[]>;
}

/** One item as a request gives it (an entry of `items`, or a row of a ZIP's catalog.csv). */
export interface CatalogItemCommand {
  /** the item's place as the seller counts it: its index in `items` (1-based) or its manifest row */
  row: number;
  sku: string;
  productImages: Uint8Array[];
  faceImage: Uint8Array | null;
  backgroundImage: Uint8Array | null;
  options: StyleOptionsInput | null;
  prompt: string | null;
}

/** Reads an uploaded catalogue ZIP: refuses a hostile or malformed one (InvalidInputError naming the
 *  entry, CatalogItemError naming the row) before yielding anything, then yields one item at a time,
 *  its photos extracted as it is read. */
export interface CatalogArchive {
  read(zip: Uint8Array): Promise<AsyncIterable<CatalogItemCommand>>;
}
