// The deterministic prompt: style options + what the vision model saw + the seller's words, held to
// the target model's text window. Every clause is a whole sentence with a priority; when the prompt
// is over budget the lowest-priority sentence goes first (the quality suffix, then the seller's
// direction, style/lighting/camera/frame, pose, setting, face), trimming by whole sentence, never
// mid-word, until only the subject and the product essentials would be left.
// TEXT_TO_IMAGE never mentions references: that model sees none. REFERENCE names each input by its
// position in image_urls (roles.ts).
import type { Description, GenerationMode, Slot } from '../ports.js';
import type { StyleOptions } from '../style-catalog.js';
import { fits } from './budget.js';
import type { ModelProfile } from './profiles.js';
import { positions, rolesOf, rolesSentence } from './roles.js';
import { mergeSentences, quotedTexts, sentence, sentences } from './text.js';
import { BACKGROUNDS, INTERACTIONS, MODEL_PEOPLE, PRODUCT_NOUNS, USE_BY_CATEGORY, label, lowerLabel, phrase } from './vocabulary.js';

export interface PromptFacts {
  options: StyleOptions;
  descriptions: Description[];
  /** REFERENCE: the slots the edit model receives, in image_urls order; empty in TEXT_TO_IMAGE */
  sent: Slot[];
  freeText: string | null;
  mode: GenerationMode;
}

/** Lower numbers are kept longest; within a number the later sentence goes first. */
const P = { subject: 0, product: 1, face: 2, productDetail: 2.5, setting: 3, faceDetail: 3.5, pose: 4, settingDetail: 4.5, look: 5, seller: 6, quality: 7 };

interface Clause {
  text: string;
  priority: number;
  /** a described fact, not an instruction: the last thing to go when even the essentials overflow */
  fact?: boolean;
}

const QUALITY = 'Photorealistic, sharp focus on the product, true-to-life colours, high detail, clean composition, no text overlays, no watermark.';

/** What a description says about the thing itself: no leading "Product photo:" label, no file
 *  format or pixel size, no instructions to the reader ("Keep…", "Place…"), no "reference" talk
 *  in TEXT_TO_IMAGE. */
export function factsOf(text: string, mode: GenerationMode): string[] {
  let t = text.replace(/^\s*[A-Z][a-z]+(?: [a-z]+){0,2}:\s*/, '');
  t = t.replace(/\b(?:an?|the) (?:square|portrait|landscape) (?:JPEG|PNG|WebP)(?:, \d+×\d+ px)?,?\s*/g, '').replace(/\b\d+×\d+ px,?\s*/g, '');
  if (mode === 'TEXT_TO_IMAGE') t = t.replace(/\b(?:the |this |a )?reference (photo|image|picture)s?\b/gi, 'the $1').replace(/\s*\breferences?\b\s*/gi, ' ');
  return sentences(t).filter((s) => !/^(Keep|Place|Use|Make|Reproduce|Match)\b/.test(s));
}

function subjectClauses(o: StyleOptions): Clause[] {
  const product = PRODUCT_NOUNS[o.category ?? ''] ?? 'the product';
  if (o.contentType === 'MODEL') {
    const who = MODEL_PEOPLE[o.modelType ?? ''] ?? 'a professional Indonesian model';
    const use = USE_BY_CATEGORY[o.category ?? ''] ?? 'presenting the product';
    return [{ text: `Professional e-commerce campaign photo of ${who} ${use}, ${product} clearly visible and in focus.`, priority: P.subject }];
  }
  const interaction = o.interaction && o.interaction !== 'NONE' ? INTERACTIONS[o.interaction] : null;
  const feet = o.interaction?.startsWith('FEET');
  return [
    { text: `Professional e-commerce product photo of ${product}.`, priority: P.subject },
    {
      text: interaction
        ? `Show only ${interaction}, cropped at the ${feet ? 'ankles' : 'wrists'}: no face, no body, no other people.`
        : 'No people, no faces, no hands, no bodies: the product alone.',
      priority: P.subject,
    },
  ];
}

/** The product photos merged into one description: repeated sentences across photos are said once. */
function productClauses(f: PromptFacts, label: ModelProfile['referenceLabel']): Clause[] {
  const texts = f.descriptions.filter((d) => d.slot.startsWith('PRODUCT')).map((d) => d.text);
  const facts = mergeSentences(texts.flatMap((t) => factsOf(t, f.mode)));
  const at = rolesOf(f.sent).product;
  const clauses: Clause[] = [];
  if (f.mode === 'REFERENCE' && at) {
    clauses.push({ text: `Reproduce the product from ${positions(label, at[0], at[1])} exactly.`, priority: P.product });
  }
  facts.forEach((text, i) =>
    clauses.push({ text: i === 0 ? sentence(`The product: ${lower(text)}`) : text, priority: i === 0 ? P.product : P.productDetail, fact: true }),
  );
  if (texts.length || at) {
    const quoted = quotedTexts(texts);
    const text = quoted.length ? ` and the printed text ${quoted.map((q) => `"${q}"`).join(', ')}` : ' and any logo or printed text';
    clauses.push({ text: `Keep its exact colours, shape, material${text}.`, priority: P.product });
  }
  return clauses;
}

function faceClauses(f: PromptFacts, label: ModelProfile['referenceLabel']): Clause[] {
  if (f.options.contentType !== 'MODEL') return [];
  const face = f.descriptions.find((d) => d.slot === 'FACE');
  const facts = face ? factsOf(face.text, f.mode) : [];
  const at = rolesOf(f.sent).face;
  const clauses: Clause[] = [];
  if (f.mode === 'REFERENCE' && at) {
    clauses.push({ text: `The model's face matches the reference in ${positions(label, at, at)}: keep the same identity.`, priority: P.face });
  } else if (facts.length) {
    clauses.push({ text: sentence(`The model: ${lower(facts[0]!)}`), priority: P.face });
    facts.shift();
  }
  return [...clauses, ...facts.map((text) => ({ text, priority: P.faceDetail }))];
}

function settingClauses(f: PromptFacts, label: ModelProfile['referenceLabel']): Clause[] {
  const o = f.options;
  const background = f.descriptions.find((d) => d.slot === 'BACKGROUND');
  const at = rolesOf(f.sent).background;
  const facts = background ? factsOf(background.text, f.mode) : [];
  const custom = o.customBackground ? sentence(`Background detail: ${o.customBackground}`) : null;
  const clauses: Clause[] = [];
  if (f.mode === 'REFERENCE' && at) {
    clauses.push({ text: `Set the scene in the environment of ${positions(label, at, at)}, matching its light and perspective.`, priority: P.setting });
  } else if (facts.length) {
    clauses.push({ text: sentence(`Setting: ${lower(facts[0]!)}`), priority: P.setting });
    facts.shift();
  } else if (o.background === 'SOLID_COLOR' && o.backgroundColor) {
    clauses.push({ text: `Background: a seamless solid ${o.backgroundColor} backdrop.`, priority: P.setting });
  } else if (o.background && BACKGROUNDS[o.background]) {
    clauses.push({ text: `Background: ${BACKGROUNDS[o.background]}.`, priority: P.setting });
  }
  if (custom) clauses.push({ text: custom, priority: P.setting });
  return [...clauses, ...facts.map((text) => ({ text, priority: P.settingDetail }))];
}

function poseClause(o: StyleOptions): Clause[] {
  const pose = o.customPose ?? o.pose?.label ?? null;
  if (!pose) return [];
  return [{ text: sentence(`${o.contentType === 'MODEL' ? 'Pose' : 'Presentation'}: ${o.customPose ? pose : lowerLabel(pose)}`), priority: P.pose }];
}

function lookClause(o: StyleOptions): Clause[] {
  const look = [
    o.style ? phrase(o.style.label, 'style', /style|look/i) : null,
    o.lighting ? phrase(o.lighting.label, 'lighting', /light|glow/i) : null,
    o.cameraAngle ? phrase(o.cameraAngle.label, 'camera angle', /angle|shot|view|crop|lay|close-up|body/i) : null,
    `${label('aspectRatio', o.aspectRatio)} frame`,
  ].filter(Boolean);
  return [{ text: sentence(look.join(', ')), priority: P.look }];
}

/** The seller's words, whole sentences (a long run-on split at its commas), each ending cleanly. */
function sellerClauses(freeText: string | null): Clause[] {
  if (!freeText) return [];
  const parts = sentences(freeText).flatMap((s) => (s.length > 200 ? s.split(/[,;]\s+/).map(sentence) : [s]));
  // The seller's first word keeps its own case after the colon: their words, not ours.
  const own = (text: string) => (/^[a-z]/.test(freeText.trim()) ? text.charAt(0).toLowerCase() + text.slice(1) : text);
  return parts.filter(Boolean).map((text, i) => ({ text: i === 0 ? `Seller's direction: ${own(text)}` : text, priority: P.seller + i / 1000 }));
}

/** First letter lowercased to follow a colon, unless it starts an acronym or a name-like capital run. */
const lower = (s: string) => (/^[A-Z](?:[a-z]|\s)/.test(s) && !/^I\s/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s);

export function composePrompt(f: PromptFacts, profile: ModelProfile): string {
  const label = profile.referenceLabel;
  const clauses: Clause[] = [
    ...subjectClauses(f.options),
    ...(f.mode === 'REFERENCE' && f.sent.length ? [{ text: rolesSentence(f.sent, label), priority: P.subject }] : []),
    ...productClauses(f, label),
    ...faceClauses(f, label),
    ...settingClauses(f, label),
    ...poseClause(f.options),
    ...lookClause(f.options),
    ...sellerClauses(f.freeText),
    { text: QUALITY, priority: P.quality },
  ].filter((c) => c.text);
  // Drop the lowest-priority sentence (the later one on a tie) until the prompt fits.
  const kept = clauses.map((c, order) => ({ ...c, order }));
  const text = () => kept.map((c) => c.text).join(' ');
  while (!fits(text(), profile.budget)) {
    const optional = kept.filter((c) => c.priority > P.product);
    const removable = optional.length ? optional : kept.filter((c) => c.fact);
    if (!removable.length) break;
    const worst = removable.reduce((a, b) => (b.priority > a.priority || (b.priority === a.priority && b.order > a.order) ? b : a));
    kept.splice(kept.indexOf(worst), 1);
  }
  return text();
}
