// Exports of one image to a marketplace preset (exportImage): a job of its own kind, free or priced by
// configuration (PRICE_EXPORT). Its row is public.exports; the made export is kept in its image's
// place in the generation (images[n].exports), written in the statement that settles the job.
import type { MarketplacePreset } from '../marketplace-presets.js';
import type { StoredExport } from './cutout.js';
import type { GenerationStatus } from './images.js';
import type { Reservation } from './jobs.js';

export interface ExportRecord {
  id: string;
  userId: string;
  generationId: string;
  /** the image's 1-based place in its generation */
  imageIndex: number;
  preset: MarketplacePreset;
  status: GenerationStatus;
  cost: number;
  error: string | null;
  providerRequestId: string | null;
  deadlineAt: Date;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface ExportReservation extends Reservation {
  kind: 'export';
  generationId: string;
  imageIndex: number;
  preset: MarketplacePreset;
}

export interface ExportStore {
  beginExport(id: string, deadlineAt: Date): Promise<ExportRecord | null>;
  exportJob(id: string): Promise<ExportRecord | null>;
  /** settles the job and puts the export in its image's place (one per preset); false when already settled */
  completeExport(id: string, made: StoredExport): Promise<boolean>;
  /** marks it FAILED (or CANCELED) and refunds its price exactly once */
  failExport(id: string, reason: string, status?: 'FAILED' | 'CANCELED'): Promise<{ refunded: boolean; balance: number }>;
}
