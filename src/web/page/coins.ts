/// <reference lib="dom" />
// Beli koin (the packages and the seller's orders) and the API-key panel. Buying goes to the
// gateway's payment page in this tab (Midtrans' Snap, or the sandbox's page in the offline default),
// which leads back here; the coins arrive when the gateway says the order is paid.
import type { createClient } from '../client.js';
import {
  StudioBuyDocument,
  StudioCoinsDocument,
  StudioCreateApiKeyDocument,
  StudioRevokeApiKeyDocument,
  type StudioApiKeyFragment,
  type StudioCoinsQuery,
  type StudioTopUpFragment,
} from '../generated/graphql.js';
import { $, h } from './dom.js';
import { coinCount, translate, type Key, type Lang } from './i18n.js';

type Client = ReturnType<typeof createClient>;
type Package = StudioCoinsQuery['topUpPackages'][number];

const rupiah = (lang: Lang, amount: number) => `Rp ${amount.toLocaleString(lang === 'id' ? 'id-ID' : 'en-US')}`;

export function createCoinsPanel(client: Client, lang: () => Lang, messageOf: (error: unknown) => string) {
  const t = (key: Key) => translate(lang(), key);
  const state = { packages: [] as Package[], topUps: [] as StudioTopUpFragment[], keys: [] as StudioApiKeyFragment[], secret: null as string | null };

  function render() {
    const when = new Intl.DateTimeFormat(lang() === 'id' ? 'id-ID' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
    $('#packages').replaceChildren(
      ...state.packages.map((p) => {
        const button = h('button', { type: 'button', class: 'package', 'data-package': p.name }, h('b', {}, coinCount(lang(), p.coins)), h('span', {}, rupiah(lang(), p.price)));
        button.addEventListener('click', () => void buy(p.name));
        return button;
      }),
    );
    $('#topups').replaceChildren(
      ...(state.topUps.length
        ? state.topUps.map((o) =>
            h(
              'li',
              { 'data-topup': o.id, 'data-status': o.status },
              h('time', { datetime: o.createdAt }, when.format(new Date(o.createdAt))),
              h('span', { class: `status ${o.status.toLowerCase()}` }, t(`topup_${o.status}` as Key)),
              h('span', {}, `${o.package} · ${coinCount(lang(), o.coins)} · ${rupiah(lang(), o.price)}`),
              o.status === 'PENDING' && o.redirectUrl ? h('a', { href: o.redirectUrl, class: 'pay' }, t('pay')) : null,
            ),
          )
        : [h('li', { class: 'hint' }, t('noTopUps'))]),
    );
    $('#new-key').hidden = !state.secret;
    $('#new-key-secret').textContent = state.secret ?? '';
    $('#keys').replaceChildren(
      ...(state.keys.length
        ? state.keys.map((k) => {
            const revoke = h('button', { type: 'button', class: 'revoke' }, t('revoke'));
            revoke.addEventListener('click', () => void revokeKey(k.id));
            return h(
              'li',
              { 'data-key': k.id },
              h('code', {}, `${k.prefix}…`),
              h('span', {}, k.name),
              h('span', { class: 'hint' }, `${t('lastUsed')}: ${k.lastUsedAt ? when.format(new Date(k.lastUsedAt)) : t('never')}`),
              revoke,
            );
          })
        : [h('li', { class: 'hint' }, t('noKeys'))]),
    );
  }

  async function refresh() {
    try {
      const data = await client.request(StudioCoinsDocument, { first: 10 });
      state.packages = data.topUpPackages;
      state.topUps = data.me.topUps.edges.map((e) => e.node);
      state.keys = data.me.apiKeys;
      $('#coins-error').textContent = '';
    } catch (error) {
      $('#coins-error').textContent = messageOf(error);
    }
    render();
  }

  async function buy(name: string) {
    $('#coins-error').textContent = '';
    try {
      const { result } = await client.request(StudioBuyDocument, { input: { package: name } });
      if ('message' in result) {
        $('#coins-error').textContent = result.message;
        return;
      }
      // The gateway's page; it (or the sandbox's) leads back to the studio.
      if (result.topUp.redirectUrl) window.location.assign(result.topUp.redirectUrl);
    } catch (error) {
      $('#coins-error').textContent = messageOf(error);
    }
  }

  async function createKey(name: string) {
    $('#keys-error').textContent = '';
    try {
      const { result } = await client.request(StudioCreateApiKeyDocument, { input: { name } });
      if ('message' in result) {
        $('#keys-error').textContent = result.message;
        return;
      }
      state.secret = result.secret;
      await refresh();
    } catch (error) {
      $('#keys-error').textContent = messageOf(error);
    }
  }

  async function revokeKey(id: string) {
    try {
      const { result } = await client.request(StudioRevokeApiKeyDocument, { input: { id } });
      if ('message' in result) $('#keys-error').textContent = result.message;
      await refresh();
    } catch (error) {
      $('#keys-error').textContent = messageOf(error);
    }
  }

  $('#key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const field = $<HTMLInputElement>('input[name="key-name"]', event.currentTarget as HTMLElement);
    const name = field.value.trim();
    field.value = '';
    if (name) void createKey(name);
  });
  $('#new-key-hide').addEventListener('click', () => {
    state.secret = null;
    render();
  });

  return {
    refresh,
    render,
    /** signed out: nothing of the last seller stays on the page */
    clear() {
      state.topUps = [];
      state.keys = [];
      state.secret = null;
      render();
    },
  };
}
