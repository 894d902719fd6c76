// Re-makes of single images (remakeImage): a free job of its own kind, one per failed image.
import type { GenerationStatus } from './images.js';
import type { Reservation } from './jobs.js';
import type { StoredImage } from './records.js';

export interface RemakeRecord {
  id: string;
  userId: string;
  generationId: string;
  /** the image's 1-based place in its generation */
  imageIndex: number;
  status: GenerationStatus;
  error: string | null;
  providerRequestId: string | null;
  deadlineAt: Date;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface RemakeReservation extends Reservation {
  kind: 'remake';
  generationId: string;
  imageIndex: number;
}

export interface RemakeStore {
  beginRemake(id: string, deadlineAt: Date): Promise<RemakeRecord | null>;
  remake(id: string): Promise<RemakeRecord | null>;
  setRemakeProviderRequest(id: string, providerRequestId: string): Promise<void>;
  /** settles the job and, when `image` is given, puts it in the generation's place; false when already settled */
  completeRemake(id: string, image: StoredImage | null): Promise<boolean>;
  /** free: nothing is refunded */
  failRemake(id: string, reason: string, status?: 'FAILED' | 'CANCELED'): Promise<{ refunded: boolean; balance: number }>;
}
