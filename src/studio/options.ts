// Raw style choices (as a client sends them: value, English label or Indonesian label) → validated
// StyleOptions. Every rejection names the field so the client can point at it.
import { InvalidInputError } from './errors.js';
import { checkText } from './text.js';
import { CATALOG, lookup, posesFor, type CatalogOption, type ContentType, type OptionKind, type StyleOptions } from './style-catalog.js';

export interface StyleOptionsInput {
  contentType?: string | null;
  category?: string | null;
  modelType?: string | null;
  interaction?: string | null;
  pose?: string | null;
  customPose?: string | null;
  background?: string | null;
  backgroundColor?: string | null;
  customBackground?: string | null;
  style?: string | null;
  lighting?: string | null;
  cameraAngle?: string | null;
  aspectRatio?: string | null;
}

export const FREE_TEXT_LIMIT = 300;

// Colour names sellers type, in English and Indonesian.
const NAMED_COLOURS: Record<string, string> = {
  white: '#ffffff', putih: '#ffffff', black: '#111111', hitam: '#111111', grey: '#9e9e9e', gray: '#9e9e9e',
  abu: '#9e9e9e', abuabu: '#9e9e9e', red: '#d32f2f', merah: '#d32f2f', pink: '#f48fb1', merahmuda: '#f48fb1',
  orange: '#fb8c00', oranye: '#fb8c00', jingga: '#fb8c00', yellow: '#fdd835', kuning: '#fdd835', green: '#43a047',
  hijau: '#43a047', blue: '#1e88e5', biru: '#1e88e5', navy: '#1a237e', purple: '#8e24aa', ungu: '#8e24aa',
  brown: '#6d4c41', coklat: '#6d4c41', cokelat: '#6d4c41', beige: '#e8dcc4', krem: '#f3e9d2', cream: '#f3e9d2',
  gold: '#c9a227', emas: '#c9a227', silver: '#c0c0c0', perak: '#c0c0c0', tosca: '#26a69a', teal: '#26a69a',
  maroon: '#800000', mint: '#b2dfdb', lilac: '#c8a2c8', sage: '#9caf88',
};

export function parseColour(input: string): string | null {
  const text = input.trim().toLowerCase();
  const hex = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/.exec(text)?.[1];
  if (hex) return `#${hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex}`;
  return NAMED_COLOURS[text.replace(/[^a-z]/g, '')] ?? null;
}

const present = (v: string | null | undefined): v is string => typeof v === 'string' && v.trim() !== '';

function pick(kind: OptionKind, input: string | null | undefined): CatalogOption | null {
  if (!present(input)) return null;
  checkText(`options.${kind}`, input, 200);
  const found = lookup(CATALOG[kind], input);
  if (!found) {
    const examples = CATALOG[kind].slice(0, 6).map((o) => o.value).join(', ');
    throw new InvalidInputError(
      `options.${kind}`,
      `Unknown ${kind} "${input}". Use a value or label from styleCatalog (for example ${examples}).`,
    );
  }
  return found;
}

function freeText(field: string, input: string | null | undefined): string | null {
  if (!present(input)) return null;
  return checkText(`options.${field}`, input.trim().replace(/\s+/g, ' '), FREE_TEXT_LIMIT);
}

export function parseStyleOptions(input: StyleOptionsInput | null | undefined, hasBackgroundImage: boolean): StyleOptions {
  const raw = input ?? {};
  const contentType = (pick('contentType', raw.contentType)?.value ?? 'MODEL') as ContentType;
  const category = pick('category', raw.category)?.value ?? null;
  const modelType = pick('modelType', raw.modelType)?.value ?? null;
  if (modelType && contentType === 'PRODUCT_ONLY') {
    throw new InvalidInputError('options.modelType', 'modelType applies to MODEL content only; remove it or choose contentType MODEL.');
  }

  let pose: CatalogOption | null = null;
  if (present(raw.pose)) {
    const valid = posesFor(contentType, category);
    pose = lookup(valid, raw.pose) ?? null;
    if (!pose) {
      const where = category ? `${contentType} ${category}` : contentType;
      throw new InvalidInputError(
        'options.pose',
        `Pose "${raw.pose}" is not available for ${where}. Valid poses: ${valid.map((p) => p.label).join(', ')}.`,
      );
    }
  }

  const explicitBackground = pick('background', raw.background)?.value ?? null;
  const background = explicitBackground ?? (hasBackgroundImage ? 'UPLOADED' : null);
  if (background === 'UPLOADED' && !hasBackgroundImage) {
    throw new InvalidInputError('options.background', 'background UPLOADED needs a backgroundImage upload.');
  }
  let backgroundColor: string | null = null;
  if (present(raw.backgroundColor)) {
    backgroundColor = parseColour(checkText('options.backgroundColor', raw.backgroundColor, 100));
    if (!backgroundColor) {
      throw new InvalidInputError('options.backgroundColor', `"${raw.backgroundColor}" is not a colour: use #RRGGBB or a colour name.`);
    }
  }
  if (background === 'SOLID_COLOR' && !backgroundColor) {
    throw new InvalidInputError('options.backgroundColor', 'background SOLID_COLOR needs backgroundColor (#RRGGBB or a colour name).');
  }

  return {
    contentType,
    category,
    modelType,
    interaction: pick('interaction', raw.interaction)?.value ?? null,
    pose,
    customPose: freeText('customPose', raw.customPose),
    background,
    backgroundColor,
    customBackground: freeText('customBackground', raw.customBackground),
    style: pick('style', raw.style),
    lighting: pick('lighting', raw.lighting),
    cameraAngle: pick('cameraAngle', raw.cameraAngle),
    aspectRatio: pick('aspectRatio', raw.aspectRatio)?.value ?? 'RATIO_1_1',
  };
}
