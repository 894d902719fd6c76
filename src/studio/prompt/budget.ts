// Counting a prompt the way its model's text window counts it, conservatively: a prompt judged to
// fit must really fit, because whatever passes the window is silently cut.
//
// T5 (flux/schnell's encoder, SentencePiece with a 32k vocabulary) is estimated, not run: the
// tokenizer is a 0.8 MB model we do not ship. The estimate over-counts on purpose:
//   - a lowercase word costs 1 token per started 6 letters ("photorealistic" → 3; T5 gives 3,
//     "professional" → 2; T5 gives 1);
//   - a word with capitals after its first letter, or with digits, costs 1 token per 2 characters
//     (T5 splits "FFFFFF" or "1200" into short pieces);
//   - every punctuation mark or other symbol costs 1; non-ASCII letters cost 1 each;
//   - plus 1 for the end-of-sequence token.
// Across the composer's own sentences this gives ~1.4 tokens a word where T5 gives ~1.2, so 256
// estimated tokens is ≈ 180 words, ≈ 1000 characters: the plain check.
import type { ModelProfile } from './profiles.js';

export function estimateT5Tokens(text: string): number {
  let tokens = 1;
  for (const piece of text.match(/[A-Za-z]+|\d+|[^\sA-Za-z\d]/g) ?? []) {
    if (/^[a-z]/.test(piece) || /^[A-Z][a-z]*$/.test(piece)) tokens += 1 + Math.floor((piece.length - 1) / 6);
    else if (/^[A-Za-z\d]+$/.test(piece)) tokens += Math.ceil(piece.length / 2);
    else tokens += 1;
  }
  return tokens;
}

export const wordCount = (text: string) => (text.match(/\S+/g) ?? []).length;

/** Whether `text` fits every limit of the profile's budget. */
export function fits(text: string, budget: ModelProfile['budget']): boolean {
  if (text.length > budget.chars) return false;
  if (budget.words !== undefined && wordCount(text) > budget.words) return false;
  if (budget.t5Tokens !== undefined && estimateT5Tokens(text) > budget.t5Tokens) return false;
  return true;
}
