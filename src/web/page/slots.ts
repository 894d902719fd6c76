/// <reference lib="dom" />
// The six photo slots of the studio page: a file input, its preview and a remove button each.
import { $, h } from './dom.js';

export const SLOTS = ['PRODUCT_1', 'PRODUCT_2', 'PRODUCT_3', 'PRODUCT_4', 'FACE', 'BACKGROUND'] as const;
export type Slot = (typeof SLOTS)[number];

export function buildSlots(onChange: (slot: Slot, file: File | null) => void) {
  for (const slot of SLOTS) {
    const preview = h('img', { class: 'preview', alt: '', hidden: true });
    const empty = h('span', { class: 'empty', 'data-i18n': 'choosePhoto' });
    const input = h('input', { type: 'file', accept: 'image/jpeg,image/png,image/webp', name: slot, class: 'file' });
    const clear = h('button', { type: 'button', class: 'clear', 'data-i18n': 'remove', hidden: true });
    const set = (file: File | null) => {
      onChange(slot, file);
      if (preview.src) URL.revokeObjectURL(preview.src);
      preview.hidden = !file;
      empty.hidden = !!file;
      if (file) preview.src = URL.createObjectURL(file);
      else preview.removeAttribute('src');
      clear.hidden = !file;
      if (!file) input.value = '';
    };
    input.addEventListener('change', () => set(input.files?.[0] ?? null));
    clear.addEventListener('click', () => set(null));
    $('#slots').append(h('div', { class: 'slot', 'data-slot': slot }, h('label', {}, h('b', { 'data-i18n': slot }), input, h('span', { class: 'frame' }, preview, empty)), clear));
  }
}
