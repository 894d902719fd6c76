// A catalogue: many products in one request (items, or a ZIP with a catalog.csv manifest), each item
// a generation; startCatalog, quoteCatalog, catalog(id), me.catalogs, cancelCatalog.
import { z } from 'zod';
import type { CatalogOutcome } from '../studio/catalogs.js';
import { CatalogItemError, InsufficientCoinsError, InvalidInputError, RateLimitedError, StudioError } from '../studio/errors.js';
import { MAX_CATALOG_ITEMS, type CatalogItemCommand, type CatalogItemState, type CatalogRecord } from '../studio/ports.js';
import { COUNT_RULE, MAX_PRODUCT_IMAGES, PRODUCT_IMAGES_RULE, PROMPT_LIMIT } from '../studio/request.js';
import { requireViewer } from './auth.js';
import { builder } from './builder.js';
import { GenerationModeEnum, MarketplacePresetEnum } from './enums.js';
import { ErrorInterface } from './errors.js';
import { bytesOf, Generation } from './generation.js';
import { StyleOptionsInput } from './style.js';
import { page, ViewerRef } from './viewer.js';

builder.objectType(CatalogItemError, {
  name: 'CatalogItemError',
  description: 'One item of a catalogue (or one row of its catalog.csv) is refused, and with it the catalogue. Nothing was charged.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    row: t.exposeInt('row', { description: "The item's place in `items` (1-based), or its row in catalog.csv (the header is row 1)" }),
    sku: t.exposeString('sku', { nullable: true }),
    reason: t.exposeString('reason'),
  }),
});

const CatalogStatusEnum = builder.enumType('CatalogStatus', {
  values: {
    QUEUED: { description: 'No item has started yet.' },
    RUNNING: { description: 'Items are being made.' },
    SUCCEEDED: { description: 'Every item succeeded.' },
    PARTIAL: { description: 'Finished; some items failed or were canceled (and refunded).' },
    FAILED: { description: 'Finished; no item succeeded (every item refunded).' },
    CANCELED: { description: 'Canceled: the items that had not run were refunded.' },
  } as const,
});

const CatalogItemRef = builder.objectRef<CatalogItemState>('CatalogItem').implement({
  description: "One product of a catalogue: its SKU and the generation that makes its photos.",
  fields: (t) => ({
    sku: t.exposeString('sku'),
    generation: t.field({
      type: Generation,
      resolve: async (i, _, ctx) => (await ctx.services.ledger.generation(i.generationId))!,
    }),
  }),
});

const CatalogProgressRef = builder.objectRef<CatalogRecord>('CatalogProgress').implement({
  fields: (t) => ({
    done: t.exposeInt('done', { description: 'Items that succeeded' }),
    failed: t.int({ description: 'Items that failed or were canceled (each refunded)', resolve: (c) => c.failed + c.canceled }),
    total: t.exposeInt('itemCount'),
  }),
});

export const Catalog = builder.objectRef<CatalogRecord>('Catalog').implement({
  description: 'Many products started in one request; each item is a generation, paid for in one reservation.',
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.expose('status', { type: CatalogStatusEnum }),
    cost: t.exposeInt('cost', { description: 'Coins reserved for every item at the start' }),
    refunded: t.exposeInt('refunded', { description: 'Coins given back for items that failed or were canceled' }),
    items: t.field({ type: [CatalogItemRef], resolve: (c) => c.items }),
    progress: t.field({ type: CatalogProgressRef, resolve: (c) => c }),
    zipUrl: t.string({
      nullable: true,
      description: 'One ZIP of every finished item (a folder per SKU: images and prompts), signed and short-lived; null until an item has succeeded.',
      resolve: (c, _, ctx) => (c.done > 0 ? ctx.services.catalogs.zipUrl(c.id) : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

const CatalogItemInput = builder.inputType('CatalogItemInput', {
  fields: (t) => ({
    sku: t.string({ required: true, description: 'Your product code: 1–100 letters, digits, . _ - or spaces; unique in the catalogue' }),
    productImages: t.field({ type: ['Upload'], required: true, description: `Up to ${MAX_PRODUCT_IMAGES} product photos`, validate: PRODUCT_IMAGES_RULE }),
    faceImage: t.field({ type: 'Upload' }),
    backgroundImage: t.field({ type: 'Upload' }),
    options: t.field({ type: StyleOptionsInput, description: "Over the catalogue's defaults, option by option" }),
    prompt: t.string({ description: `Extra direction (≤ ${PROMPT_LIMIT} characters)` }),
  }),
});

const CatalogDefaultsInput = builder.inputType('CatalogDefaultsInput', {
  fields: (t) => ({
    options: t.field({ type: StyleOptionsInput }),
    count: t.int({ description: 'Images per item (1–4, default 2)', validate: COUNT_RULE }),
    mode: t.field({ type: GenerationModeEnum, description: 'Unset: REFERENCE for items with photos, TEXT_TO_IMAGE for items without' }),
    exports: t.field({ type: [MarketplacePresetEnum], description: "Every item's images are also made to these marketplace presets, with a compliance report" }),
    shadow: t.boolean({ description: 'PACKSHOT: a soft contact shadow under the product' }),
  }),
});

const StartCatalogInput = builder.inputType('StartCatalogInput', {
  fields: (t) => ({
    items: t.field({ type: [CatalogItemInput], description: `1–${MAX_CATALOG_ITEMS} items (or give zip)` }),
    zip: t.field({
      type: 'Upload',
      description: 'A ZIP with catalog.csv at its root (columns sku, folder, then option columns and prompt) and a folder of photos per row',
    }),
    defaults: t.field({ type: CatalogDefaultsInput }),
    idempotencyKey: t.string({ description: 'Retrying with the same key returns the same catalogue and charges once' }),
    webhookUrl: t.string({ description: 'Called once (catalog.finished) when every item has finished' }),
  }),
});

const StartCatalogSuccess = builder.objectRef<CatalogOutcome>('StartCatalogSuccess').implement({
  description: 'Every item is paid for (one reservation) and queued.',
  fields: (t) => ({
    catalog: t.field({ type: Catalog, resolve: (o) => o.catalog }),
    remainingCoins: t.exposeInt('remainingCoins'),
  }),
});

type ItemInput = typeof CatalogItemInput.$inferInput;
/** The items one at a time: an item's photos are read when it is staged, not all up front. */
async function* itemsOf(items: ItemInput[]): AsyncGenerator<CatalogItemCommand> {
  for (const [i, item] of items.entries()) {
    yield {
      row: i + 1,
      sku: item.sku,
      productImages: await Promise.all(item.productImages.map(bytesOf)),
      faceImage: item.faceImage ? await bytesOf(item.faceImage) : null,
      backgroundImage: item.backgroundImage ? await bytesOf(item.backgroundImage) : null,
      options: item.options ?? null,
      prompt: item.prompt ?? null,
    };
  }
}

const CATALOG_ERRORS = [RateLimitedError, InsufficientCoinsError, CatalogItemError, InvalidInputError, StudioError];

builder.mutationField('startCatalog', (t) =>
  t.field({
    type: StartCatalogSuccess,
    description: `Up to ${MAX_CATALOG_ITEMS} products in one request, as items or as a ZIP with catalog.csv. Every item is checked (a refused one names its item or row) before one reservation pays for all of them.`,
    errors: { types: CATALOG_ERRORS, directResult: true, union: { name: 'StartCatalogResult' } },
    args: { input: t.arg({ type: StartCatalogInput, required: true }) },
    resolve: async (_, { input }, ctx) => {
      const userId = requireViewer(ctx).userId;
      const { catalogs } = ctx.services;
      if ((input.items == null) === (input.zip == null)) throw new InvalidInputError('items', 'Give items or zip (one of them).');
      if (input.items && (input.items.length < 1 || input.items.length > MAX_CATALOG_ITEMS)) {
        throw new InvalidInputError('items', `A catalogue has 1 to ${MAX_CATALOG_ITEMS} items.`);
      }
      const common = {
        userId,
        defaults: input.defaults
          ? {
              options: input.defaults.options ?? null,
              count: input.defaults.count ?? null,
              mode: input.defaults.mode ?? null,
              exports: input.defaults.exports ?? null,
              shadow: input.defaults.shadow ?? null,
            }
          : null,
        idempotencyKey: input.idempotencyKey ?? null,
        webhookUrl: input.webhookUrl ?? null,
      };
      if (input.zip) return catalogs.start({ ...common, source: 'catalog.csv', items: await catalogs.readZip(await bytesOf(input.zip)) });
      return catalogs.start({ ...common, source: 'items', items: itemsOf(input.items!) });
    },
  }),
);

const QuoteCatalogInput = builder.inputType('QuoteCatalogInput', {
  fields: (t) => ({
    itemsWithPhotos: t.int({ defaultValue: 0, validate: z.number().int().min(0).max(MAX_CATALOG_ITEMS) }),
    itemsWithoutPhotos: t.int({ defaultValue: 0, validate: z.number().int().min(0).max(MAX_CATALOG_ITEMS) }),
    mode: t.field({ type: GenerationModeEnum, description: "The catalogue's defaults.mode, if you set one" }),
  }),
});

const CatalogQuote = builder.objectRef<{ coins: number; balance: number | null }>('CatalogQuote').implement({
  description: 'What a catalogue would cost, and whether the caller can pay for it.',
  fields: (t) => ({
    coins: t.exposeInt('coins'),
    balance: t.exposeInt('balance', { nullable: true, description: "The caller's balance; null without a token" }),
    affordable: t.boolean({ nullable: true, resolve: (q) => (q.balance === null ? null : q.balance >= q.coins) }),
  }),
});

builder.queryField('quoteCatalog', (t) =>
  t.field({
    type: CatalogQuote,
    errors: { types: [InvalidInputError], directResult: true, union: { name: 'QuoteCatalogResult' } },
    args: { input: t.arg({ type: QuoteCatalogInput, required: true }) },
    resolve: async (_, { input }, { viewer, services }) => {
      const items = [
        ...Array.from({ length: input.itemsWithPhotos ?? 0 }, () => ({ hasPhotos: true })),
        ...Array.from({ length: input.itemsWithoutPhotos ?? 0 }, () => ({ hasPhotos: false })),
      ];
      return { coins: services.catalogs.quote(items, input.mode ?? null), balance: viewer ? await services.ledger.ensureProfile(viewer.userId) : null };
    },
  }),
);

builder.queryField('catalog', (t) =>
  t.field({
    type: Catalog,
    nullable: true,
    description: "One of the caller's catalogues; null if it does not exist or belongs to someone else.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.catalogs.catalogOf(requireViewer(ctx).userId, String(id)),
  }),
);

builder.objectField(ViewerRef, 'catalogs', (t) =>
  t.connection({
    type: Catalog,
    description: 'Your catalogues, newest first (a Relay connection, like generations).',
    resolve: (v, args, ctx) => page('k', args, (limit, before) => ctx.services.catalogs.list(v.userId, limit, before)),
  }),
);

const CancelCatalogInput = builder.inputType('CancelCatalogInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

const CancelCatalogSuccess = builder.objectRef<CatalogOutcome>('CancelCatalogSuccess').implement({
  description: 'Every item that had not finished is CANCELED and refunded; finished items stand.',
  fields: (t) => ({
    catalog: t.field({ type: Catalog, resolve: (o) => o.catalog }),
    remainingCoins: t.exposeInt('remainingCoins'),
  }),
});

builder.mutationField('cancelCatalog', (t) =>
  t.field({
    type: CancelCatalogSuccess,
    errors: { types: [InvalidInputError, StudioError], directResult: true, union: { name: 'CancelCatalogResult' } },
    args: { input: t.arg({ type: CancelCatalogInput, required: true }) },
    resolve: (_, { input }, ctx) => ctx.services.catalogs.cancel(requireViewer(ctx).userId, String(input.id)),
  }),
);
