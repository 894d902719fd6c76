// Every output is reviewed against the seller's photos: a measured layer that needs no model (always
// on), and a model layer (REVIEWER) that reads printed text, logos, shape and safety.
import type { Description, VisionImage } from './images.js';

export type ReviewVerdict = 'PASS' | 'FAIL' | 'UNCHECKED';

export const REVIEW_ISSUE_KINDS = [
  'TEXT_CHANGED',
  'LOGO_CHANGED',
  'COLOUR_CHANGED',
  'SHAPE_CHANGED',
  'PRODUCT_MISSING',
  'UNWANTED_TEXT',
  'UNSAFE',
  'WRONG_ASPECT',
] as const;
export type ReviewIssueKind = (typeof REVIEW_ISSUE_KINDS)[number];

export interface ReviewIssue {
  kind: ReviewIssueKind;
  /** what was seen, for the seller (English) */
  detail: string;
}

/** The review an image carries: FAIL when any issue was found, UNCHECKED when the model layer could
 *  not answer and the measured layer found nothing, PASS otherwise. */
export interface ImageReview {
  verdict: ReviewVerdict;
  /** 0–100; null when unchecked */
  score: number | null;
  issues: ReviewIssue[];
}

/** One output and what it must be faithful to. */
export interface ReviewSubject {
  /** the output as generated */
  image: { bytes: Uint8Array; width: number; height: number; contentType: string };
  /** the seller's product photos (vision copies) */
  products: VisionImage[];
  face: VisionImage | null;
  /** the products' descriptions, when a vision model wrote them (they quote the printed text): a model
   *  review may compare against these instead of reading every photo again for every output */
  notes?: Description[];
  /** the aspect ratio asked for, width over height */
  aspect: number;
}

/** The measured layer: pixels and sizes, no model (colour difference, blank image, aspect). */
export interface ImageChecks {
  /** reads the seller's product photos once for a batch; the checker then measures each output */
  against(products: VisionImage[]): Promise<(subject: ReviewSubject) => Promise<ReviewIssue[]>>;
}

/** The model layer. Rejects when it cannot answer (timeout, refusal of the request, malformed reply):
 *  the image is then UNCHECKED unless the measured layer found an issue. */
export interface Reviewer {
  readonly vendor: string;
  readonly model: string;
  /** whether its answer covers safety (else the describer's screen still runs) */
  readonly screensSafety: boolean;
  /** `onAsked`: the request has left (what it needed of the CPU is done) */
  review(subject: ReviewSubject, signal: AbortSignal, onAsked?: () => void): Promise<{ issues: ReviewIssue[]; score: number }>;
}
