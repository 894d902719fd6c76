/// <reference lib="dom" />
// Listing-ready on the page: the marketplace picker (GenerateImagesInput.exports), each image's
// exports with a tick or a cross per measured rule, its cut-out, an "export to" for one more preset
// (exportImage), and the batch's ZIP download.
import type { Client } from '../client.js';
import { StudioExportImageDocument, type MarketplacePreset, type StudioGenerationFragment } from '../generated/graphql.js';
import { h } from './dom.js';
import { translate, type Lang } from './i18n.js';

type Image = StudioGenerationFragment['images'][number];
export const PRESETS: Array<[MarketplacePreset, string]> = [
  ['TOKOPEDIA', 'Tokopedia'],
  ['SHOPEE', 'Shopee'],
  ['TIKTOK_SHOP', 'TikTok Shop'],
  ['LAZADA', 'Lazada'],
  ['AMAZON', 'Amazon'],
  ['GOOGLE_SHOPPING', 'Google Shopping'],
];
const label = (preset: string) => PRESETS.find(([p]) => p === preset)?.[1] ?? preset;

/** One checkbox per preset, into the form's #presets fieldset (read back as FormData 'exports'). */
export function buildPresetPicker(root: HTMLElement) {
  for (const [preset, name] of PRESETS) {
    root.append(h('label', { class: 'preset' }, h('input', { type: 'checkbox', name: 'exports', value: preset }), ` ${name}`));
  }
}

/** The exports the form asks for, and the packshot's shadow. */
export const pickedExports = (form: HTMLFormElement) => new FormData(form).getAll('exports').map(String) as MarketplacePreset[];
export const pickedShadow = (form: HTMLFormElement) => new FormData(form).get('shadow') === 'true';

export function listingControls(options: { client: Client; lang: () => Lang; reload: () => Promise<void>; messageOf: (error: unknown) => string }) {
  const t = (key: Parameters<typeof translate>[1]) => translate(options.lang(), key);

  function exportList(image: Image) {
    return image.exports.map((e) =>
      h(
        'div',
        { class: 'export', 'data-preset': e.preset },
        h('h4', {}, `${label(e.preset)} · ${e.width}×${e.height} · ${Math.round(e.bytes / 1024)} KB `, h('a', { href: e.url, download: `${e.preset.toLowerCase()}.jpg` }, t('download'))),
        h(
          'ul',
          { class: 'compliance' },
          ...e.compliance.map((c) =>
            h('li', { 'data-rule': c.rule, 'data-passed': String(c.passed), title: `${c.measured} — ${c.expected}` }, `${c.passed ? '✓' : '✗'} ${c.rule}: ${c.measured}`),
          ),
        ),
        ...e.warnings.map((w) => h('p', { class: 'hint' }, w)),
      ),
    );
  }

  /** What each image card shows for listings. */
  function section(image: Image): Node {
    const select = h('select', { name: `export-${image.id}` }, ...PRESETS.map(([p, name]) => h('option', { value: p }, name)));
    const button = h('button', { type: 'button', class: 'export-one', 'data-image-id': image.id }, t('exportButton'));
    const error = h('p', { class: 'error', role: 'alert' });
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const { result } = await options.client.request(StudioExportImageDocument, { input: { imageId: image.id, preset: select.value as MarketplacePreset } });
        if ('message' in result) error.textContent = result.message;
        else await options.reload();
      } catch (e) {
        error.textContent = options.messageOf(e);
      } finally {
        button.disabled = false;
      }
    });
    return h(
      'div',
      { class: 'listing' },
      image.exports.length ? h('h3', {}, t('exportsTitle')) : null,
      ...exportList(image),
      image.cutoutUrl ? h('p', {}, h('a', { href: image.cutoutUrl, download: 'cutout.png', class: 'cutout' }, t('cutout'))) : null,
      h('div', { class: 'row' }, h('label', {}, `${t('exportTo')} `, select), button),
      error,
    );
  }

  /** The batch's ZIP download, when it has images. */
  const zipLink = (generation: StudioGenerationFragment) =>
    generation.zipUrl ? h('p', {}, h('a', { href: generation.zipUrl, download: `etalase-${generation.id.slice(0, 8)}.zip`, class: 'zip' }, t('downloadZip'))) : null;

  return { section, zipLink };
}
