// A catalogue: up to 50 products started in one request, each item an ordinary generation.
//   for each item in turn: validate → inspect → store its photos (one item's photos in memory at a
//   time) → then one reservation for all of them with every item's job (one transaction) → workers
//   run the items like any batch, at most WORKER_JOBS_PER_SELLER of one seller's at once → the last
//   item to settle marks the catalogue finished → one `catalog.finished` webhook.
// Any refused item refuses the whole catalogue before a coin moves: the error names the item or row.
import { createHash } from 'node:crypto';
import { CatalogItemError, InvalidInputError, StudioError } from './errors.js';
import { inputsPrefix, type JobKind } from './jobs/kind.js';
import type { JobMachinery } from './jobs/machinery.js';
import type { StyleOptionsInput } from './options.js';
import {
  MAX_CATALOG_ITEMS,
  type CatalogArchive,
  type CatalogItemCommand,
  type CatalogItemReservation,
  type CatalogRecord,
  type CatalogReservation,
  type CatalogStore,
  type Coins,
  type EventBus,
  type GenerationEvent,
  type GenerationMode,
  type GenerationRecord,
  type GenerationStore,
  type Ids,
  type JobQueue,
  type Logger,
  type Ordinal,
  type Storage,
  type WebhookDelivery,
  type Webhooks,
} from './ports.js';
import { priceOf } from './pricing.js';
import { checkIdempotencyKey, checkWebhookUrl, validate } from './request.js';
import { stageGeneration, type StageDeps } from './stage-inputs.js';

/** A SKU names a folder in the download: letters, digits, dot, dash, underscore and space. */
const SKU = /^[A-Za-z0-9][A-Za-z0-9._ -]{0,99}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const CATALOG_FINISHED = 'catalog.finished';

export interface CatalogDefaults {
  options?: StyleOptionsInput | null;
  count?: number | null;
  /** unset: REFERENCE for an item with photos, TEXT_TO_IMAGE for one without */
  mode?: GenerationMode | null;
  /** marketplace presets every item's images are also made to */
  exports?: string[] | null;
  /** PACKSHOT: a soft contact shadow */
  shadow?: boolean | null;
}

export interface CatalogCommand {
  userId: string;
  /** the items in order, read one at a time (a ZIP's are extracted as they are read) */
  items: AsyncIterable<CatalogItemCommand>;
  source: 'items' | 'catalog.csv';
  defaults: CatalogDefaults | null;
  idempotencyKey: string | null;
  webhookUrl: string | null;
}

export interface CatalogOutcome {
  catalog: CatalogRecord;
  remainingCoins: number;
}

export interface CatalogDeps extends StageDeps {
  catalogs: CatalogStore;
  generations: GenerationStore;
  coins: Coins;
  queue: JobQueue;
  jobs: JobMachinery;
  /** the generation kind its items run as (for cancel) */
  kind: JobKind<GenerationRecord>;
  events: EventBus;
  ids: Ids;
  log: Logger;
  storage: Storage;
  webhooks: Webhooks | null;
  /** reads an uploaded ZIP with its catalog.csv into items */
  archive: CatalogArchive;
  /** the catalogue's download link (signed); none when the app does not serve it */
  zipUrl?: (catalogId: string) => string;
}

/** Where a catalogue stands, as a subscriber's first event (then ITEM_FINISHED per item, then FINISHED). */
export function catalogState(c: CatalogRecord): GenerationEvent {
  if (c.finishedAt) return { stage: 'FINISHED', status: finishedStatus(c), generationId: c.id };
  return { stage: 'ITEM_FINISHED', done: c.done + c.failed + c.canceled, total: c.itemCount, generationId: c.id };
}
/** A finished catalogue's FINISHED event: SUCCEEDED when any item was made. */
const finishedStatus = (c: CatalogRecord) => (c.done > 0 ? 'SUCCEEDED' : c.canceledAt ? 'CANCELED' : 'FAILED');

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function createCatalogs(deps: CatalogDeps) {
  /** Every item staged (its photos stored) before the reservation; the first refusal stops the rest. */
  async function stageItems(cmd: CatalogCommand, staged: CatalogItemReservation[], hash: ReturnType<typeof createHash>) {
    const skus = new Set<string>();
    for await (const item of cmd.items) {
      const refuse = (reason: string): never => {
        throw new CatalogItemError(item.row, item.sku || null, reason, cmd.source);
      };
      if (staged.length >= MAX_CATALOG_ITEMS) refuse(`a catalogue has at most ${MAX_CATALOG_ITEMS} items.`);
      const sku = item.sku.trim();
      if (!SKU.test(sku)) refuse('sku must be 1–100 letters, digits, dots, dashes, underscores or spaces, starting with a letter or digit.');
      if (skus.has(sku.toLowerCase())) refuse(`the SKU ${sku} appears twice.`);
      skus.add(sku.toLowerCase());
      const photos = item.productImages.length + (item.faceImage ? 1 : 0) + (item.backgroundImage ? 1 : 0);
      const mode = cmd.defaults?.mode ?? (photos > 0 ? 'REFERENCE' : 'TEXT_TO_IMAGE');
      const gen = {
        userId: cmd.userId,
        productImages: item.productImages,
        faceImage: item.faceImage,
        backgroundImage: item.backgroundImage,
        options: { ...(cmd.defaults?.options ?? {}), ...(item.options ?? {}) },
        prompt: item.prompt,
        count: cmd.defaults?.count ?? 2,
        mode,
        exports: cmd.defaults?.exports ?? null,
        shadow: cmd.defaults?.shadow ?? null,
        idempotencyKey: null,
        webhookUrl: null,
      };
      const id = deps.ids.uuid();
      try {
        const req = validate(gen);
        const { idempotencyKey: _key, kind: _kind, ...reservation } = await stageGeneration(deps, gen, req, id);
        staged.push({ ...reservation, sku });
        hash.update(JSON.stringify([sku, reservation.requestHash, ...req.uploads.map((u) => [u.slot, sha256(u.bytes)])]));
      } catch (error) {
        await deps.storage.removePrefix(inputsPrefix(id)).catch(() => {});
        if (error instanceof CatalogItemError || !(error instanceof StudioError)) throw error;
        refuse(error.message);
      }
    }
  }

  /** Validates and stores every item, then reserves all of them and enqueues their jobs at once. */
  async function start(cmd: CatalogCommand): Promise<CatalogOutcome> {
    const idempotencyKey = checkIdempotencyKey(cmd.idempotencyKey);
    const webhookUrl = checkWebhookUrl(cmd.webhookUrl);
    if (webhookUrl) {
      const why = deps.webhooks ? await deps.webhooks.check(webhookUrl) : 'Webhooks are not enabled on this server (WEBHOOK_SECRET).';
      if (why) throw new InvalidInputError('webhookUrl', why);
    }
    const staged: CatalogItemReservation[] = [];
    const hash = createHash('sha256').update(`catalog|webhook:${webhookUrl ?? ''}`);
    const catalogId = deps.ids.uuid();
    let reserved = false;
    try {
      await stageItems(cmd, staged, hash);
      if (staged.length === 0) throw new InvalidInputError(cmd.source === 'items' ? 'items' : 'zip', 'A catalogue needs at least one item.');
      const reservation: CatalogReservation = {
        kind: 'catalog',
        id: catalogId,
        userId: cmd.userId,
        cost: staged.reduce((sum, i) => sum + i.cost, 0),
        idempotencyKey,
        requestHash: hash.digest('hex'),
        deadlineAt: staged[0]!.deadlineAt,
        input: null,
        webhookUrl,
        items: staged,
      };
      const jobs = staged.map((i) => ({ kind: 'generation', id: i.id, userId: cmd.userId, idempotencyKey: null }));
      const { id, balance } = await deps.jobs.enqueueAll(reservation, jobs);
      reserved = id === catalogId;
      const catalog = (await deps.catalogs.catalog(id))!;
      deps.log.info('catalogue started', { catalogId: id, items: staged.length, cost: reservation.cost, replay: !reserved });
      return { catalog, remainingCoins: balance ?? (await deps.coins.balance(cmd.userId)) };
    } finally {
      // Refused, failed or a replay: the photos stored for it are nobody's.
      if (!reserved) await Promise.all(staged.map((i) => deps.storage.removePrefix(inputsPrefix(i.id)).catch(() => {})));
    }
  }

  /** The price of a catalogue before starting it: items by mode. */
  function quote(items: Array<{ hasPhotos: boolean }>, mode: GenerationMode | null): number {
    if (items.length < 1 || items.length > MAX_CATALOG_ITEMS) throw new InvalidInputError('items', `A catalogue has 1 to ${MAX_CATALOG_ITEMS} items.`);
    return items.reduce((sum, i) => sum + priceOf(deps.pricing, mode ?? (i.hasPhotos ? 'REFERENCE' : 'TEXT_TO_IMAGE')), 0);
  }

  async function catalogOf(userId: string, id: string): Promise<CatalogRecord | null> {
    if (!UUID.test(id)) return null;
    const catalog = await deps.catalogs.catalog(id);
    return catalog?.userId === userId ? catalog : null;
  }

  const list = (userId: string, limit: number, before?: number): Promise<Array<Ordinal<CatalogRecord>>> => deps.catalogs.catalogs(userId, limit, before);

  /** An item settled (the generation kind's `settled`): the last one finishes the catalogue, once. */
  async function itemSettled(g: GenerationRecord): Promise<void> {
    if (!g.catalogId) return;
    const topic = { generationId: g.catalogId, userId: g.userId, idempotencyKey: null };
    const finished = await deps.catalogs.settle(g.catalogId);
    const catalog = (await deps.catalogs.catalog(g.catalogId))!;
    deps.events.publish(topic, { stage: 'ITEM_FINISHED', done: catalog.done + catalog.failed + catalog.canceled, total: catalog.itemCount, generationId: catalog.id });
    if (!finished) return;
    deps.log.info('catalogue finished', { catalogId: catalog.id, status: catalog.status, done: catalog.done, failed: catalog.failed });
    deps.events.publish(topic, catalogState(catalog));
    if (catalog.webhookUrl && deps.webhooks) {
      await deps.queue.enqueueWebhook({ id: `msg_${catalog.id}`, kind: 'catalog', jobId: catalog.id, url: catalog.webhookUrl });
    }
  }

  /** Cancels every item that has not finished (each refunded once, by the ledger); the rest stand. */
  async function cancel(userId: string, id: string): Promise<CatalogOutcome> {
    const catalog = await catalogOf(userId, id);
    if (!catalog) throw new InvalidInputError('id', 'No such catalogue.');
    if (catalog.finishedAt) throw new InvalidInputError('id', `This catalogue already finished (${catalog.status}).`);
    for (const itemId of await deps.catalogs.cancel(id)) {
      const row = await deps.generations.generation(itemId);
      if (!row || row.finishedAt) continue;
      // One that finished meanwhile stays as it is.
      await deps.jobs.cancel(deps.kind, row).catch((error) => {
        if (!(error instanceof InvalidInputError)) throw error;
      });
    }
    // Items canceled while running settle when their worker stops; the last one finishes the catalogue.
    return { catalog: (await deps.catalogs.catalog(id))!, remainingCoins: await deps.coins.balance(userId) };
  }

  /** The webhook queue's handler for catalogues: the finished catalogue, as it stands. */
  async function deliverWebhook(delivery: WebhookDelivery): Promise<void> {
    const catalog = await deps.catalogs.catalog(delivery.jobId);
    if (!catalog || !deps.webhooks) return;
    const data = {
      id: catalog.id,
      status: catalog.status,
      cost: catalog.cost,
      refunded: catalog.refunded,
      progress: { done: catalog.done, failed: catalog.failed + catalog.canceled, total: catalog.itemCount },
      items: catalog.items.map((i) => ({ sku: i.sku, generationId: i.generationId, status: i.status })),
      zipUrl: catalog.done > 0 ? await zipUrl(catalog.id) : null,
    };
    await deps.webhooks.deliver(delivery, { type: CATALOG_FINISHED, timestamp: (catalog.finishedAt ?? new Date()).toISOString(), data });
  }

  const zipUrl = async (id: string): Promise<string | null> => (deps.zipUrl ? deps.zipUrl(id) : null);
  /** A ZIP's items, checked whole (entries, sizes, names, manifest) before the first is read out. */
  const readZip = (zip: Uint8Array) => deps.archive.read(zip);

  return { start, quote, catalogOf, list, itemSettled, cancel, deliverWebhook, zipUrl, readZip };
}

export type Catalogs = ReturnType<typeof createCatalogs>;
