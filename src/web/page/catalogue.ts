/// <reference lib="dom" />
// The catalogue tab: rows of products (a SKU and its photos) or a dropped ZIP with catalog.csv, the
// quote, one startCatalog for all of them, then a grid of every item's progress and the whole's,
// read as it changes, and "download all" once an item is done. Style and count come from the form
// above (the catalogue's defaults).
import type { createClient } from '../client.js';
import {
  StudioCancelCatalogDocument,
  StudioCatalogueDocument,
  StudioQuoteCatalogDocument,
  StudioStartCatalogDocument,
  type CatalogDefaultsInput,
  type StudioCatalogueFragment,
} from '../generated/graphql.js';
import { $, h } from './dom.js';
import { idempotencyKey } from './keys.js';
import { coinCount, translate, type Key, type Lang } from './i18n.js';

type Client = ReturnType<typeof createClient>;
interface Row {
  sku: string;
  files: File[];
}

const POLL_MS = 1500;
const MAX_ROWS = 50;

export function createCataloguePanel(client: Client, lang: () => Lang, defaults: () => CatalogDefaultsInput, messageOf: (error: unknown) => string, onCoins: () => void) {
  const t = (key: Key) => translate(lang(), key);
  const state = { rows: [{ sku: '', files: [] }] as Row[], zip: null as File | null, current: null as StudioCatalogueFragment | null, timer: 0 };

  function renderRows() {
    $('#catalogue-rows').replaceChildren(
      ...state.rows.map((row, i) => {
        const sku = h('input', { value: row.sku, placeholder: 'SKU-001', maxlength: 100, 'aria-label': t('sku') });
        sku.addEventListener('input', () => ((row.sku = sku.value), void quote()));
        const files = h('input', { type: 'file', multiple: true, accept: 'image/jpeg,image/png,image/webp' });
        files.addEventListener('change', () => ((row.files = [...(files.files ?? [])].slice(0, 4)), void quote()));
        const remove = h('button', { type: 'button' }, t('remove'));
        remove.addEventListener('click', () => ((state.rows = state.rows.filter((r) => r !== row)), renderRows(), void quote()));
        return h('div', { class: 'row catalogue-row' }, h('span', {}, String(i + 1)), sku, files, state.rows.length > 1 && remove);
      }),
    );
  }

  function renderProgress() {
    const c = state.current;
    if (!c) return $('#catalogue-progress').replaceChildren();
    const finished = c.progress.done + c.progress.failed;
    // Through the CSSOM: the page's CSP allows no style attributes.
    const fill = h('div', {});
    fill.style.width = `${Math.round((finished / c.progress.total) * 100)}%`;
    const meter = h('div', { class: 'meter' }, fill);
    const grid = h(
      'ul',
      { class: 'history catalogue-grid' },
      ...c.items.map((i) => h('li', { 'data-sku': i.sku, 'data-status': i.generation.status }, h('b', {}, i.sku), ' ', i.generation.status, i.generation.error ? ` — ${i.generation.error}` : '')),
    );
    const summary = h('p', { id: 'catalogue-summary', 'data-status': c.status }, `${c.status}: ${c.progress.done}/${c.progress.total} ✓, ${c.progress.failed} ✗ · ${coinCount(lang(), c.cost)}${c.refunded ? ` (−${c.refunded})` : ''}`);
    const download = c.zipUrl ? h('a', { id: 'catalogue-download', href: c.zipUrl, download: `catalog-${c.id.slice(0, 8)}.zip`, class: 'button' }, t('downloadAll')) : null;
    const cancel = c.finishedAt ? null : h('button', { type: 'button' }, t('cancelCatalogue'));
    cancel?.addEventListener('click', () => void stop(c.id));
    $('#catalogue-progress').replaceChildren(meter, summary, grid, h('div', { class: 'row' }, download, cancel));
  }

  /** the last quote asked: an older answer arriving after a newer one is dropped */
  let quoting = 0;
  async function quote() {
    const asked = ++quoting;
    const withPhotos = state.zip ? 0 : state.rows.filter((r) => r.files.length > 0).length;
    const without = state.zip ? 0 : state.rows.length - withPhotos;
    if (!withPhotos && !without) return ($('#catalogue-quote').textContent = '');
    const text = await client
      .request(StudioQuoteCatalogDocument, { input: { itemsWithPhotos: withPhotos, itemsWithoutPhotos: without, mode: defaults().mode ?? null } })
      .then(({ quoteCatalog: q }) => (q.__typename === 'CatalogQuote' ? `${t('catalogueCost')}: ${coinCount(lang(), q.coins)}` : q.message))
      .catch(() => '');
    if (asked === quoting) $('#catalogue-quote').textContent = text;
  }

  async function follow(id: string) {
    window.clearTimeout(state.timer);
    const { catalog } = await client.request(StudioCatalogueDocument, { id });
    if (!catalog) return;
    state.current = catalog;
    renderProgress();
    if (catalog.finishedAt) return onCoins();
    state.timer = window.setTimeout(() => void follow(id).catch((e) => ($('#catalogue-error').textContent = messageOf(e))), POLL_MS);
  }

  async function start() {
    $('#catalogue-error').textContent = '';
    const button = $<HTMLButtonElement>('#catalogue-start');
    button.disabled = true;
    try {
      const input = state.zip
        ? { zip: state.zip, defaults: defaults(), idempotencyKey: idempotencyKey() }
        : { items: state.rows.map((r) => ({ sku: r.sku.trim(), productImages: r.files })), defaults: defaults(), idempotencyKey: idempotencyKey() };
      const { result } = await client.request(StudioStartCatalogDocument, { input });
      if (result.__typename !== 'StartCatalogSuccess') {
        $('#catalogue-error').textContent = 'message' in result ? result.message : t('errorUnexpected');
        return;
      }
      onCoins();
      await follow(result.catalog.id);
    } catch (error) {
      $('#catalogue-error').textContent = messageOf(error);
    } finally {
      button.disabled = false;
    }
  }

  async function stop(id: string) {
    const { result } = await client.request(StudioCancelCatalogDocument, { input: { id } });
    if (result.__typename !== 'CancelCatalogSuccess') $('#catalogue-error').textContent = 'message' in result ? result.message : '';
    await follow(id);
  }

  $('#catalogue-add').addEventListener('click', () => {
    if (state.rows.length < MAX_ROWS) state.rows.push({ sku: '', files: [] });
    renderRows();
    void quote();
  });
  $<HTMLInputElement>('#catalogue-zip').addEventListener('change', (event) => {
    state.zip = (event.target as HTMLInputElement).files?.[0] ?? null;
    $('#catalogue-rows').hidden = $('#catalogue-add').hidden = state.zip !== null;
    void quote();
  });
  $('#catalogue-start').addEventListener('click', () => void start());

  return {
    render() {
      renderRows();
      renderProgress();
    },
    show(signedIn: boolean) {
      $('#catalogue-card').hidden = !signedIn;
      if (signedIn) void quote();
    },
  };
}
