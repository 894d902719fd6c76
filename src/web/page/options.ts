/// <reference lib="dom" />
// The style form, built from styleCatalog: one select per option kind, labelled in the page's
// language, poses narrowed to the chosen content type and category.
import type { StudioCatalogQuery, StyleOptionsInput } from '../generated/graphql.js';
import { h } from './dom.js';
import type { Key, Lang } from './i18n.js';
import { translate } from './i18n.js';

type Catalog = StudioCatalogQuery['styleCatalog'];
type Choice = Catalog['categories'][number];
type Field = Exclude<keyof StyleOptionsInput, 'backgroundColor' | 'customBackground' | 'customPose'>;
type ListKey = Exclude<keyof Catalog, 'poses' | '__typename'>;

// [input field, catalog list (null: poses), label key, the choice when nothing is picked]
const FIELDS: Array<[Field, ListKey | null, Key, string | null]> = [
  ['contentType', 'contentTypes', 'contentType', 'MODEL'],
  ['category', 'categories', 'category', null],
  ['modelType', 'modelTypes', 'modelType', null],
  ['interaction', 'interactions', 'interaction', null],
  ['pose', null, 'pose', null],
  ['background', 'backgrounds', 'background', null],
  ['style', 'styles', 'styleOption', null],
  ['lighting', 'lightings', 'lighting', null],
  ['cameraAngle', 'cameraAngles', 'cameraAngle', null],
  ['aspectRatio', 'aspectRatios', 'aspectRatio', 'RATIO_1_1'],
];

export interface StyleForm {
  render(lang: Lang): void;
  values(): StyleOptionsInput;
  contentType(): string;
  onChange(listener: () => void): void;
}

export function createStyleForm(root: HTMLElement, catalog: Catalog): StyleForm {
  const selects = new Map<Field, HTMLSelectElement>();
  const colour = h('input', { name: 'backgroundColor', placeholder: '#F5F0E6 / krem', maxlength: 32 });
  const colourLabel = h('label', { 'data-field': 'backgroundColor' }, h('span'), colour);
  // Free text next to its preset: a pose or a background in the seller's own words.
  const texts = { customPose: h('input', { name: 'customPose', maxlength: 300 }), customBackground: h('input', { name: 'customBackground', maxlength: 300 }) };
  const textLabels = Object.fromEntries(
    Object.entries(texts).map(([field, input]) => [field, h('label', { 'data-field': field }, h('span'), input)]),
  ) as Record<keyof typeof texts, HTMLLabelElement>;
  const listeners: Array<() => void> = [];
  let lang: Lang = 'id';

  for (const [field, , , preset] of FIELDS) {
    const select = h('select', { name: field });
    select.dataset.preset = preset ?? '';
    selects.set(field, select);
    root.append(h('label', { 'data-field': field }, h('span'), select));
    if (field === 'pose') root.append(textLabels.customPose);
    if (field === 'background') root.append(colourLabel, textLabels.customBackground);
    select.addEventListener('change', () => {
      sync();
      listeners.forEach((listener) => listener());
    });
  }

  const value = (field: Field) => selects.get(field)!.value;
  const poses = (): Choice[] => {
    const groups = catalog.poses.filter((g) => g.contentType === value('contentType') && (!value('category') || g.category === value('category')));
    const seen = new Map<string, Choice>();
    for (const group of groups) for (const pose of group.poses) seen.set(pose.value, pose);
    return [...seen.values()];
  };
  const choicesFor = (field: Field, list: ListKey | null): readonly Choice[] => (list ? catalog[list] : poses());

  function fill(field: Field, list: ListKey | null) {
    const select = selects.get(field)!;
    const keep = select.value || select.dataset.preset || '';
    const choices = choicesFor(field, list);
    select.replaceChildren(
      ...(select.dataset.preset ? [] : [h('option', { value: '' }, translate(lang, 'anyOption'))]),
      ...choices.map((c) => h('option', { value: c.value, title: c.note ?? undefined }, lang === 'id' ? c.labelId : c.label)),
    );
    select.value = choices.some((c) => c.value === keep) ? keep : (select.dataset.preset ?? '');
  }

  // What applies depends on other choices: a model type only for MODEL content, a colour only for SOLID_COLOR.
  function sync() {
    fill('pose', null);
    const model = value('contentType') === 'MODEL';
    const modelType = selects.get('modelType')!;
    if (!model) modelType.value = '';
    modelType.disabled = !model;
    colourLabel.hidden = value('background') !== 'SOLID_COLOR';
  }

  return {
    render(next) {
      lang = next;
      for (const [field, list, key] of FIELDS) {
        fill(field, list);
        root.querySelector(`[data-field="${field}"] > span`)!.textContent = translate(lang, key);
      }
      colourLabel.querySelector('span')!.textContent = translate(lang, 'backgroundColor');
      for (const field of ['customPose', 'customBackground'] as const) textLabels[field].querySelector('span')!.textContent = translate(lang, field);
      sync();
    },
    values() {
      const options: StyleOptionsInput = {};
      for (const [field] of FIELDS) if (value(field) && !selects.get(field)!.disabled) options[field] = value(field);
      if (!colourLabel.hidden && colour.value.trim()) options.backgroundColor = colour.value.trim();
      for (const field of ['customPose', 'customBackground'] as const) if (texts[field].value.trim()) options[field] = texts[field].value.trim();
      return options;
    },
    contentType: () => value('contentType'),
    onChange: (listener) => listeners.push(listener),
  };
}
