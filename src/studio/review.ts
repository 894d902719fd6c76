// Every output is reviewed against the seller's photos before it is delivered (ports/review.ts):
// the measured layer always, the model layer when one is configured, each image concurrently. What
// fails is made again once (REVIEW_REMAKES), free, inside the same job; what still fails is delivered
// flagged, with a warning. UNSAFE images are never delivered. A batch in which nothing passed is
// refunded (settle.ts), its images still shown.
import {
  GenerationError,
  type GeneratedImage,
  type GenerateResult,
  type ImageChecks,
  type ImageReview,
  type Logger,
  type Reviewer,
  type ReviewIssue,
  type ReviewSubject,
  type VisionImage,
} from './ports.js';

export interface ReviewDeps {
  checks: ImageChecks;
  /** the model layer; null: the measured layer alone decides (REVIEWER=local) */
  reviewer: Reviewer | null;
  /** how long one model review may take before the image is left UNCHECKED */
  timeoutMs: number;
  log: Logger;
}

export interface Reviewed {
  image: GeneratedImage;
  review: ImageReview;
}

/** What a batch delivers after its review. */
export interface Delivery {
  images: Reviewed[];
  warnings: string[];
  /** set when no image passed: the batch is refunded with this reason */
  refundReason: string | null;
}

const UNCHECKED: ImageReview = { verdict: 'UNCHECKED', score: null, issues: [] };
export const NOTHING_PASSED = 'No image passed the review against your photos; your coins were returned. The images are shown, flagged.';

/** The review of one batch's outputs: the seller's photos are read once. */
export async function createBatchReview(deps: ReviewDeps, context: { products: VisionImage[]; face: VisionImage | null; aspect: number }) {
  const measure = await deps.checks.against(context.products);

  async function reviewOne(image: GeneratedImage, signal: AbortSignal): Promise<ImageReview> {
    if (!image.bytes) return UNCHECKED;
    const subject: ReviewSubject = { image: { bytes: image.bytes, width: image.width, height: image.height, contentType: image.contentType }, ...context };
    // The model layer's request leaves first (its copy of the output is on the critical path); the
    // measure, done long before the answer comes, starts once it has (or once the model layer is done).
    const left = Promise.withResolvers<void>();
    const model = deps.reviewer ? deps.reviewer.review(subject, AbortSignal.any([signal, AbortSignal.timeout(deps.timeoutMs)]), left.resolve) : Promise.resolve(null);
    void model.finally(() => left.resolve()).catch(() => {}); // its outcome is read below
    const [measured, modelled] = await Promise.allSettled([left.promise.then(() => measure(subject)), model]);
    if (measured.status === 'rejected') deps.log.warn('measuring an output failed', { error: String(measured.reason) });
    if (modelled.status === 'rejected') {
      signal.throwIfAborted();
      deps.log.warn('the model review failed; the image is unchecked by it', { error: String(modelled.reason) });
    }
    const issues = unique([...(measured.status === 'fulfilled' ? measured.value : []), ...(modelled.status === 'fulfilled' ? (modelled.value?.issues ?? []) : [])]);
    const checked = measured.status === 'fulfilled' && modelled.status === 'fulfilled';
    const modelScore = modelled.status === 'fulfilled' ? modelled.value?.score : undefined;
    if (issues.length) return { verdict: 'FAIL', score: Math.min(modelScore ?? 100, Math.max(0, 60 - 20 * (issues.length - 1))), issues };
    return checked ? { verdict: 'PASS', score: modelScore ?? 100, issues } : { ...UNCHECKED };
  }

  /** Every image at once; `onDone` counts them. */
  async function reviewAll(images: GeneratedImage[], signal: AbortSignal, onDone: (done: number) => void): Promise<Reviewed[]> {
    let done = 0;
    return Promise.all(
      images.map(async (image) => {
        const review = await reviewOne(image, signal);
        onDone(++done);
        return { image, review };
      }),
    );
  }

  return { reviewAll };
}

export type BatchReview = Awaited<ReturnType<typeof createBatchReview>>;

/** Reviews a generator's result, re-makes what failed (`remake` gives `n` new images, or throws), and
 *  decides what is delivered. */
export async function reviewAndRemake(
  review: BatchReview,
  result: GenerateResult,
  options: {
    remakes: number;
    /** `count` new images; `round` counts the re-makes from 1 */
    remake: (count: number, round: number) => Promise<GeneratedImage[]>;
    signal: AbortSignal;
    log: Logger;
    onReviewed: (done: number, total: number) => void;
    onRemade: (done: number, total: number) => void;
  },
): Promise<Delivery> {
  const { signal } = options;
  const total = result.images.length;
  options.onReviewed(0, total);
  const images = await review.reviewAll(result.images, signal, (done) => options.onReviewed(done, total));
  const warnings = [...result.warnings];

  for (let round = 0; round < options.remakes; round++) {
    const failing = images.flatMap((r, i) => (r.review.verdict === 'FAIL' ? [i] : []));
    if (failing.length === 0) break;
    options.onRemade(0, failing.length);
    let fresh: GeneratedImage[];
    try {
      fresh = await options.remake(failing.length, round + 1);
    } catch (error) {
      // A free re-make that fails leaves the batch as it was, unless the job itself was stopped.
      signal.throwIfAborted();
      options.log.warn('re-making the images that failed the review failed; they are delivered flagged', { error: String(error) });
      break;
    }
    const again = await review.reviewAll(fresh, signal, (done) => options.onRemade(done, failing.length));
    failing.forEach((index, k) => {
      const candidate = again[k];
      if (candidate && better(candidate.review, images[index]!.review)) images[index] = candidate;
    });
    warnings.push(`${count(failing.length, 'image')} failed the review and ${failing.length === 1 ? 'was' : 'were'} made again at no charge.`);
  }

  // Never delivered, whatever else.
  const safe = images.filter((r) => !r.review.issues.some((i) => i.kind === 'UNSAFE'));
  if (images.length > 0 && safe.length === 0) throw new GenerationError('Every image was withheld by the safety filter.');
  if (safe.length < images.length) warnings.push(`${count(images.length - safe.length, 'image')} withheld by the safety filter`);
  safe.forEach((r, i) => {
    if (r.review.verdict === 'FAIL') warnings.push(`Image ${i + 1} did not pass the review: ${r.review.issues.map((issue) => issue.detail).join(' ')}`);
    if (r.review.verdict === 'UNCHECKED') warnings.push(`Image ${i + 1} could not be checked against your photos: the review gave no usable answer.`);
  });
  const nothingPassed = safe.length > 0 && safe.every((r) => r.review.verdict === 'FAIL');
  return { images: safe, warnings, refundReason: nothingPassed ? NOTHING_PASSED : null };
}

const RANK = { PASS: 2, UNCHECKED: 1, FAIL: 0 } as const;
/** `a` is the better of two reviews of one image's versions. */
export const better = (a: ImageReview, b: ImageReview) => RANK[a.verdict] > RANK[b.verdict] || (a.verdict === b.verdict && (a.score ?? 0) > (b.score ?? 0));
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const unique = (issues: ReviewIssue[]) => issues.filter((a, i) => issues.findIndex((b) => b.kind === a.kind && b.detail === a.detail) === i);
