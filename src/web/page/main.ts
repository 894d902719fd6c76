/// <reference lib="dom" />
// The studio page: sign in, Beli koin and API keys (coins.ts), six upload slots, the style form, the quote, Generate with live progress,
// the results and the history. Every GraphQL document is a typed one from ../operations.graphql.
import { askDevToken, createClient, GraphQLRequestError } from '../client.js';
import {
  StudioCatalogDocument,
  StudioGenerateDocument,
  StudioGenerationDocument,
  StudioGenerationEventsDocument,
  StudioMeDocument,
  StudioQuoteDocument,
  type GenerateImagesInput,
  type GenerationMode,
  type StudioGenerationFragment,
  type StudioHistoryItemFragment,
} from '../generated/graphql.js';
import { createCataloguePanel } from './catalogue.js';
import { createCoinsPanel } from './coins.js';
import { clipControls } from './clips.js';
import { remakeButton } from './remake.js';
import { buildSlots, SLOTS, type Slot } from './slots.js';
import { idempotencyKey, store } from './keys.js';
import { TERMINAL } from '../statuses.js';
import { $, h } from './dom.js';
import { buildPresetPicker, listingControls, pickedExports, pickedShadow } from './listing.js';
import { coinCount, isKey, translate, type Key, type Lang } from './i18n.js';
import { createStyleForm, type StyleForm } from './options.js';
import { renderHistory, renderResults, renderStages, type StageEvent } from './views.js';

// generateImages answers after the batch is done; the stream's FINISHED normally lands before it.
// Never let a lost event hold the results back longer than this.
const STREAM_GRACE_MS = 5_000;

const state = {
  lang: (store.get('lang') === 'en' ? 'en' : 'id') as Lang,
  token: store.get('token'),
  files: Object.fromEntries(SLOTS.map((s) => [s, null])) as Record<Slot, File | null>,
  stages: [] as StageEvent[],
  shown: null as StudioGenerationFragment | null,
  history: [] as StudioHistoryItemFragment[],
  running: false,
};
const t = (key: Key) => translate(state.lang, key);
const client = createClient({ endpoint: '/graphql', token: () => state.token });
let styleForm: StyleForm | null = null;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : t('errorUnexpected'));
const coins = createCoinsPanel(client, () => state.lang, messageOf);
const remake = remakeButton(client, (generation) => show(generation), messageOf);
const form = () => $<HTMLFormElement>('#studio');
// The catalogue tab takes the style, count and marketplaces of the form below as every item's defaults.
const catalogue = createCataloguePanel(client, () => state.lang, () => ({ options: styleForm?.values() ?? null, count: count(), exports: pickedExports(form()) }), messageOf, () => void refreshAccount());
const mode = () => (new FormData(form()).get('mode') as GenerationMode | null) ?? 'TEXT_TO_IMAGE';
const count = () => Number(new FormData(form()).get('count') ?? 2);
const clips = clipControls({
  client,
  lang: () => state.lang,
  key: idempotencyKey,
  rerender: () => renderShown(),
  afterClip: reloadShown,
  messageOf,
});

// ---- language --------------------------------------------------------------------------------

function render() {
  document.documentElement.lang = state.lang;
  for (const element of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = element.dataset.i18n!;
    if (isKey(key)) element.textContent = t(key);
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-lang]')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === state.lang));
  }
  styleForm?.render(state.lang);
  $('#meter-fill').style.width = `${renderStages($('#stages'), state.stages, state.lang) * 100}%`;
  renderShown();
  renderHistory($('#history'), state.history, state.lang, pick);
  coins.render();
  catalogue.render();
}

/** A batch picked from the history, read whole (images, prompts, clips). */
function pick(item: StudioHistoryItemFragment) {
  client.request(StudioGenerationDocument, { id: item.id }).then(({ generation }) => generation && show(generation), (error) => ($('#generate-error').textContent = messageOf(error)));
}

function show(generation: StudioGenerationFragment) {
  state.shown = generation;
  renderShown();
}

// Each image: its marketplace exports (ticks per rule), cut-out and "export to", then its clips; the batch's ZIP on top.
const listing = listingControls({ client, lang: () => state.lang, reload: reloadShown, messageOf });
async function reloadShown() {
  const shown = state.shown && (await client.request(StudioGenerationDocument, { id: state.shown.id }).catch(() => null))?.generation;
  if (shown && shown.id === state.shown?.id) show(shown);
  await refreshAccount();
}
function renderShown() {
  renderResults($('#results'), state.shown, state.lang, (image) => h('div', {}, listing.section(image), clips.section(image)), remake);
  $('#zip').replaceChildren((state.shown && listing.zipLink(state.shown)) || '');
}

// ---- account ---------------------------------------------------------------------------------

async function refreshAccount() {
  $('#signed-out').hidden = !!state.token;
  $('#signed-in').hidden = !state.token;
  $('#coins-card').hidden = $('#keys-card').hidden = !state.token;
  catalogue.show(!!state.token);
  if (state.token) {
    try {
      const { me } = await client.request(StudioMeDocument, { first: 10 });
      $('#who').textContent = me.id;
      $('#balance').textContent = String(me.coinsBalance);
      state.history = me.generations.edges.map((edge) => edge.node);
      renderHistory($('#history'), state.history, state.lang, pick);
      await coins.refresh();
    } catch (error) {
      if (error instanceof GraphQLRequestError && error.code === 'UNAUTHENTICATED') signIn(null);
      $('#account-error').textContent = messageOf(error);
    }
  }
  await refreshQuote();
}

function signIn(token: string | null) {
  state.token = token;
  store.set('token', token);
  if (!token) {
    state.history = [];
    coins.clear();
  }
  $('#coins-card').hidden = $('#keys-card').hidden = !token;
  $('#account-error').textContent = '';
  $('#signed-out').hidden = !!token;
  $('#signed-in').hidden = !token;
  renderHistory($('#history'), state.history, state.lang, pick);
}

async function devSignIn(name: string) {
  const answer = await askDevToken('/dev/token', name);
  if (!answer.token) throw new Error(answer.error ?? `HTTP ${answer.status}`);
  return answer.token;
}

/** the last quote asked: an older answer arriving after a newer one is dropped (as on the catalogue card) */
let quoting = 0;
async function refreshQuote() {
  const asked = ++quoting;
  const button = $<HTMLButtonElement>('#generate');
  try {
    const { quote } = await client.request(StudioQuoteDocument, { input: { mode: mode(), count: count() } });
    if (asked !== quoting) return;
    const parts = [`${t('cost')}: ${coinCount(state.lang, quote.coins)}`];
    if (quote.balance != null) parts.push(`${t('balance')}: ${coinCount(state.lang, quote.balance)}`);
    if (quote.affordable === false) parts.push(t('notEnough'));
    if (!state.token) parts.push(t('signInToGenerate'));
    $('#quote').textContent = parts.join(' · ');
    button.disabled = state.running || !state.token || quote.affordable === false;
  } catch (error) {
    if (asked === quoting) $('#quote').textContent = messageOf(error);
  }
}

// ---- uploads ---------------------------------------------------------------------------------

// A face only shows in MODEL content: the slot is off for product-only shots.
function syncFaceSlot() {
  const product = styleForm?.contentType() === 'PRODUCT_ONLY';
  const slot = $('[data-slot="FACE"]');
  slot.classList.toggle('off', product);
  $<HTMLInputElement>('input', slot).disabled = product;
  if (product && state.files.FACE) $<HTMLButtonElement>('.clear', slot).click();
}

// ---- generate --------------------------------------------------------------------------------

function input(idempotencyKey: string): GenerateImagesInput {
  const products = [state.files.PRODUCT_1, state.files.PRODUCT_2, state.files.PRODUCT_3, state.files.PRODUCT_4].filter((f): f is File => !!f);
  const prompt = String(new FormData(form()).get('prompt') ?? '').trim();
  return {
    productImages: products,
    faceImage: state.files.FACE,
    backgroundImage: state.files.BACKGROUND,
    options: styleForm?.values(),
    prompt: prompt || null,
    count: count(),
    mode: mode(),
    exports: pickedExports(form()),
    shadow: mode() === 'PACKSHOT' && pickedShadow(form()),
    idempotencyKey,
  };
}

function stage(event: StageEvent) {
  state.stages.push(event);
  $('#meter-fill').style.width = `${renderStages($('#stages'), state.stages, state.lang) * 100}%`;
}

async function generate() {
  if (state.running || !state.token) return;
  state.running = true;
  $<HTMLButtonElement>('#generate').disabled = true;
  $('#generate-error').textContent = '';
  state.stages = [];
  $('#meter-fill').style.width = `${renderStages($('#stages'), state.stages, state.lang) * 100}%`;
  $('#progress-card').hidden = false;
  // Subscribe by the key first, then send: the stream sees the batch from its first second.
  const key = idempotencyKey();
  const events = client.subscribe(StudioGenerationEventsDocument, { idempotencyKey: key }, (data) => stage(data.generationEvents));
  try {
    await events.opened;
    const { result } = await client.request(StudioGenerateDocument, { input: input(key) });
    // Told apart by shape, not by the success type's name, which a start-only mutation would change.
    if ('message' in result) {
      const refunded = result.__typename === 'GenerationFailedError' && result.refunded ? ` ${t('refunded')}` : '';
      const where = result.__typename === 'InvalidImageError' ? `${t(result.slot as Key)}: ` : '';
      $('#generate-error').textContent = `${where}${result.message}${refunded}`;
      return;
    }
    // With generateImages the batch is done here; a mutation that only starts it (startGeneration)
    // answers RUNNING, and FINISHED on the stream says when to fetch the images.
    const grace = new Promise((resolve) => setTimeout(resolve, STREAM_GRACE_MS));
    await (TERMINAL.has(result.generation.status) ? Promise.race([events.finished, grace]) : events.finished);
    const { generation } = await client.request(StudioGenerationDocument, { id: result.generation.id });
    if (generation) show(generation);
  } catch (error) {
    $('#generate-error').textContent = messageOf(error);
  } finally {
    events.close();
    state.running = false;
    await refreshAccount();
  }
}

// ---- start -----------------------------------------------------------------------------------

async function start() {
  buildSlots((slot, file) => (state.files[slot] = file));
  buildPresetPicker($('#presets'));
  render();
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-lang]')) {
    button.addEventListener('click', () => {
      state.lang = button.dataset.lang === 'en' ? 'en' : 'id';
      store.set('lang', state.lang);
      render();
      void refreshQuote();
    });
  }
  $('#token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const field = $<HTMLInputElement>('input[name="token"]', event.currentTarget as HTMLElement);
    signIn(field.value.trim() || null);
    field.value = '';
    void refreshAccount();
  });
  $('#dev-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const name = $<HTMLInputElement>('input[name="name"]', event.currentTarget as HTMLElement).value.trim();
    devSignIn(name).then(
      (token) => {
        signIn(token);
        return refreshAccount();
      },
      (error) => ($('#account-error').textContent = messageOf(error)),
    );
  });
  $('#sign-out').addEventListener('click', () => {
    signIn(null);
    void refreshAccount();
  });
  form().addEventListener('submit', (event) => {
    event.preventDefault();
    void generate();
  });
  form().addEventListener('change', (event) => {
    const name = (event.target as HTMLInputElement).name;
    if (name === 'mode' || name === 'count') void refreshQuote();
  });

  // The dev-token route exists only under AUTH=dev: show the name field only when it answers.
  fetch('/dev/token').then((r) => ($('#dev-form').hidden = !r.ok), () => undefined);
  try {
    const { styleCatalog } = await client.request(StudioCatalogDocument, {});
    styleForm = createStyleForm($('#options'), styleCatalog);
    styleForm.onChange(syncFaceSlot);
    styleForm.render(state.lang);
    await clips.loadPrice();
  } catch (error) {
    $('#generate-error').textContent = messageOf(error);
  }
  await refreshAccount();
  document.body.dataset.ready = 'true';
}

void start();
