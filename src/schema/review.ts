// An image's review against the seller's photos (studio/review.ts): the verdict, a score and the issues.
import { REVIEW_ISSUE_KINDS, type ImageReview, type ReviewIssue } from '../studio/ports.js';
import { builder } from './builder.js';

const VerdictEnum = builder.enumType('ImageReviewVerdict', {
  values: {
    PASS: { description: "Checked against the seller's photos: nothing wrong found." },
    FAIL: { description: 'At least one issue: the image is delivered flagged (re-made once already; remakeImage is not needed to see it).' },
    UNCHECKED: { description: 'The review could not run (the model did not answer in time); nothing wrong was measured.' },
  } as const,
});

const IssueKindEnum = builder.enumType('ImageReviewIssueKind', { values: REVIEW_ISSUE_KINDS });

const IssueRef = builder.objectRef<ReviewIssue>('ImageReviewIssue').implement({
  fields: (t) => ({
    kind: t.expose('kind', { type: IssueKindEnum }),
    detail: t.exposeString('detail', { description: 'What was seen, in English' }),
  }),
});

export const ImageReviewRef = builder.objectRef<ImageReview>('ImageReview').implement({
  description: "How faithful the image is to the seller's own product: measured (colour, blank, aspect) and, with a review model, read (text, logo, shape, safety).",
  fields: (t) => ({
    verdict: t.expose('verdict', { type: VerdictEnum }),
    score: t.exposeInt('score', { nullable: true, description: '0–100; null when unchecked' }),
    issues: t.field({ type: [IssueRef], resolve: (r) => r.issues }),
  }),
});

/** Images made before reviews existed. */
export const NOT_REVIEWED: ImageReview = { verdict: 'UNCHECKED', score: null, issues: [] };
