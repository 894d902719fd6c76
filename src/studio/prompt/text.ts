// Sentence hygiene for prompts: every clause a whole sentence with its own full stop, so nothing
// runs into the next ("…di kafe Photorealistic,"), and trimming can always stop at a sentence end.

/** Trimmed, spaces collapsed, first letter capital, ending in . ! or ? */
export function sentence(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim().replace(/[\s,;:–-]+$/, '');
  if (!t) return '';
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]["')\]]?$/.test(capital) ? capital : `${capital}.`;
}

/** Whole sentences of a text; a fragment without an end mark counts as one and gets a full stop. */
export function sentences(text: string): string[] {
  return (text.replace(/\s+/g, ' ').trim().match(/[^.!?]+(?:[.!?]+["')\]]?|$)/g) ?? [])
    .map((s) => sentence(s))
    .filter((s) => s.length > 1);
}

/** The text up to its last sentence end, or '' when no sentence ends: never a cut mid-word. */
export function lastWholeSentence(text: string): string {
  const t = text.trim();
  const last = [...t.matchAll(/[.!?]["')\]]?(?=\s|$)/g)].at(-1);
  return last ? t.slice(0, last.index + last[0].length) : '';
}

const words = (s: string) => new Set((s.toLowerCase().match(/[a-z0-9"']+/g) ?? []).filter((w) => w.length > 2));

/** Sentences of later texts that mostly repeat one already kept are dropped (Jaccard ≥ 0.6). */
export function mergeSentences(texts: string[]): string[] {
  const kept: string[] = [];
  const seen: Array<Set<string>> = [];
  for (const s of texts.flatMap(sentences)) {
    const w = words(s);
    const repeat = seen.some((k) => {
      const common = [...w].filter((x) => k.has(x)).length;
      return common / (w.size + k.size - common || 1) >= 0.6;
    });
    if (!repeat) {
      kept.push(s);
      seen.push(w);
    }
  }
  return kept;
}

/** Every quoted string ("…" or “…”) in the texts, once each: logo and label text to keep verbatim. */
export function quotedTexts(texts: string[]): string[] {
  const found = texts.flatMap((t) => [...t.matchAll(/["“]([^"”]{1,60})["”]/g)].map((m) => m[1]!.trim()));
  return [...new Set(found.filter(Boolean))];
}
