// The style vocabulary a client offers its sellers, the options input, and what a request costs.
import { FREE_TEXT_LIMIT } from '../studio/options.js';
import { COUNT_RULE } from '../studio/request.js';
import { CATALOG, POSES, type CatalogOption, type PoseGroup } from '../studio/style-catalog.js';
import { builder } from './builder.js';
import { ContentTypeEnum, GenerationModeEnum } from './enums.js';

const StyleOption = builder.objectRef<CatalogOption>('StyleOption').implement({
  description: 'One choice: send `value` (or either label) in StyleOptionsInput.',
  fields: (t) => ({
    value: t.exposeString('value'),
    label: t.exposeString('label', { description: 'English label' }),
    labelId: t.exposeString('labelId', { description: 'Indonesian label, as the original app showed it' }),
    note: t.exposeString('note', { nullable: true }),
  }),
});

const PoseGroupRef = builder.objectRef<PoseGroup>('PoseGroup').implement({
  description: 'The poses valid for one content type and category.',
  fields: (t) => ({
    contentType: t.expose('contentType', { type: ContentTypeEnum }),
    category: t.exposeString('category'),
    poses: t.field({ type: [StyleOption], resolve: (g) => g.poses }),
  }),
});

const list = (kind: keyof typeof CATALOG) => () => CATALOG[kind];

const StyleCatalog = builder.objectRef<object>('StyleCatalog').implement({
  fields: (t) => ({
    contentTypes: t.field({ type: [StyleOption], resolve: list('contentType') }),
    categories: t.field({ type: [StyleOption], resolve: list('category') }),
    modelTypes: t.field({ type: [StyleOption], resolve: list('modelType') }),
    interactions: t.field({ type: [StyleOption], resolve: list('interaction') }),
    backgrounds: t.field({ type: [StyleOption], resolve: list('background') }),
    styles: t.field({ type: [StyleOption], resolve: list('style') }),
    lightings: t.field({ type: [StyleOption], resolve: list('lighting') }),
    cameraAngles: t.field({ type: [StyleOption], resolve: list('cameraAngle') }),
    aspectRatios: t.field({ type: [StyleOption], resolve: list('aspectRatio') }),
    poses: t.field({ type: [PoseGroupRef], resolve: () => POSES }),
  }),
});

const choice = (what: string) => ({ description: `${what}: a value or label from styleCatalog (English or Indonesian).` });
// Length and content are checked by the studio (characters, not UTF-16 units; no control characters).
const freeText = (what: string) => ({ description: `${what} (≤ ${FREE_TEXT_LIMIT} characters)` });

export const StyleOptionsInput = builder.inputType('StyleOptionsInput', {
  fields: (t) => ({
    contentType: t.string(choice('MODEL (default) or PRODUCT_ONLY')),
    category: t.string(choice('Product category')),
    modelType: t.string(choice('Who models the product (MODEL content only)')),
    interaction: t.string(choice('Hands or feet holding/wearing the product')),
    pose: t.string(choice('A pose valid for the content type and category')),
    customPose: t.string(freeText('A pose in your own words; overrides pose')),
    background: t.string(choice('Background preset; UPLOADED is implied by a backgroundImage')),
    backgroundColor: t.string({ description: 'For background SOLID_COLOR: #RRGGBB or a colour name (English or Indonesian)' }),
    customBackground: t.string(freeText('A background in your own words')),
    style: t.string(choice('Photo style')),
    lighting: t.string(choice('Lighting')),
    cameraAngle: t.string(choice('Camera angle')),
    aspectRatio: t.string(choice('Aspect ratio, default 1:1')),
  }),
});

const QuoteInput = builder.inputType('QuoteInput', {
  fields: (t) => ({
    mode: t.field({ type: GenerationModeEnum, defaultValue: 'TEXT_TO_IMAGE' }),
    count: t.int({
      defaultValue: 2,
      description: 'Images in the batch (1–4). The price is per batch, so it does not change the quote today.',
      validate: COUNT_RULE,
    }),
  }),
});

const Quote = builder
  .objectRef<{ coins: number; balance: number | null }>('Quote')
  .implement({
    description: 'What a generateImages request would cost, and whether the caller can pay for it.',
    fields: (t) => ({
      coins: t.exposeInt('coins', { description: 'What the request would cost' }),
      balance: t.exposeInt('balance', { nullable: true, description: "The caller's balance; null without a token" }),
      affordable: t.boolean({ nullable: true, description: 'balance ≥ coins; null without a token', resolve: (q) => (q.balance === null ? null : q.balance >= q.coins) }),
    }),
  });

builder.queryFields((t) => ({
  styleCatalog: t.field({
    type: StyleCatalog,
    description: 'Every style option with its English value and Indonesian label, and the poses per content type and category.',
    resolve: () => ({}),
  }),
  quote: t.field({
    type: Quote,
    args: { input: t.arg({ type: QuoteInput, required: false }) },
    resolve: async (_, { input }, { viewer, services }) => ({
      coins: services.studio.quote(input?.mode ?? 'TEXT_TO_IMAGE'),
      balance: viewer ? await services.ledger.ensureProfile(viewer.userId) : null,
    }),
  }),
}));
