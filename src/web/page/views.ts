/// <reference lib="dom" />
// What the page shows after a request: the stages as they arrive, the images with their two video
// prompts (each with a copy button) and their clips, and the seller's history.
import type { StudioGenerationEventsSubscription, StudioGenerationFragment, StudioHistoryItemFragment } from '../generated/graphql.js';
import { h } from './dom.js';
import { coinCount, translate, type Key, type Lang } from './i18n.js';

export type StageEvent = StudioGenerationEventsSubscription['generationEvents'];

// In the order a batch goes through them: the queue first (Etalase's, then the image service's).
const STAGES = ['QUEUED', 'DESCRIBING', 'GENERATING', 'REVIEWING', 'REMAKING', 'IMAGE_STORED', 'FINISHED'] as const;
const statusKey = (status: string): Key => (status === 'QUEUED' ? 'QUEUED_status' : (status as Key));

/** One line per stage, updated in place (DESCRIBING counts up); returns how far along it is (0–1). */
export function renderStages(list: HTMLElement, events: StageEvent[], lang: Lang): number {
  const latest = new Map<string, StageEvent>();
  for (const event of events) latest.set(event.stage, event);
  const last = events.at(-1);
  list.replaceChildren(
    ...[...latest.values()].map((event) => {
      let detail = '';
      if (event.total) detail = `${event.done ?? 0}/${event.total}`;
      if (event.stage === 'QUEUED' && event.queuePosition != null) detail = `${translate(lang, 'queuePosition')} ${event.queuePosition}`;
      if (event.stage === 'FINISHED' && event.status) detail = translate(lang, statusKey(event.status));
      const current = event === last && event.stage !== 'FINISHED';
      return h(
        'li',
        { 'data-stage': event.stage, class: current ? 'current' : 'done' },
        translate(lang, event.stage as Key),
        detail ? h('span', { class: 'detail' }, ` ${detail}`) : null,
      );
    }),
  );
  if (!last) return 0;
  const index = STAGES.indexOf(last.stage as (typeof STAGES)[number]);
  const describing = last.total ? (last.done ?? 0) / last.total : 1;
  return last.stage === 'FINISHED' ? 1 : (index + describing) / STAGES.length;
}

// The Clipboard API needs a secure context (localhost is one, a LAN address is not): fall back to the
// old selection copy there.
async function writeClipboard(text: string) {
  if (navigator.clipboard) return navigator.clipboard.writeText(text);
  const area = h('textarea', { readonly: true, class: 'offscreen' });
  area.value = text;
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy refused');
}

async function copy(button: HTMLButtonElement, text: string, lang: Lang) {
  try {
    await writeClipboard(text);
    button.textContent = translate(lang, 'copied');
    button.dataset.copied = 'true';
  } catch {
    button.textContent = translate(lang, 'copyFailed');
    button.dataset.copied = 'false';
  }
}

/** `below`: what each image's card ends with (the clips); `remake`: the "make again" of a failed image */
export function renderResults(
  root: HTMLElement,
  generation: StudioGenerationFragment | null,
  lang: Lang,
  below?: (image: StudioGenerationFragment['images'][number]) => Node,
  remake?: (imageId: string, button: HTMLButtonElement) => void,
) {
  if (!generation) {
    root.replaceChildren(h('p', { class: 'hint' }, translate(lang, 'noResults')));
    return;
  }
  const cards = generation.images.map((image, i) =>
    h(
      'figure',
      { class: 'result', 'data-image': i + 1 },
      h('a', { href: image.url, target: '_blank', rel: 'noopener' }, h('img', { src: image.url, width: image.width, height: image.height, alt: `${i + 1}` })),
      h(
        'figcaption',
        {},
        `${image.width}×${image.height} `,
        h('span', { class: 'verdict', 'data-verdict': image.review.verdict, title: image.review.score === null ? '' : `${image.review.score}/100` }, translate(lang, image.review.verdict)),
      ),
      ...image.review.issues.map((issue) => h('p', { class: 'issue', 'data-kind': issue.kind }, issue.detail)),
      image.review.verdict === 'FAIL' && remake && generation.status === 'SUCCEEDED'
        ? (() => {
            const button = h('button', { type: 'button', class: 'remake', 'data-image-id': image.id }, translate(lang, 'remake'));
            button.addEventListener('click', () => remake(image.id, button));
            return button;
          })()
        : null,
      ...image.videoPrompts.map((prompt) => {
        const button = h('button', { type: 'button', class: 'copy', 'data-version': prompt.version }, translate(lang, 'copy'));
        button.addEventListener('click', () => void copy(button, prompt.text, lang));
        return h(
          'div',
          { class: 'video-prompt', 'data-version': prompt.version },
          h('h3', {}, translate(lang, prompt.version === 'A' ? 'promptA' : 'promptB'), button),
          h('p', {}, prompt.text),
        );
      }),
      below ? below(image) : null,
    ),
  );
  const problems = [generation.error, ...generation.warnings].filter((w): w is string => !!w);
  root.replaceChildren(...problems.map((p) => h('p', { class: generation.error === p ? 'error' : 'hint' }, p)), ...cards);
}

export function renderHistory(root: HTMLElement, generations: StudioHistoryItemFragment[], lang: Lang, show: (g: StudioHistoryItemFragment) => void) {
  if (!generations.length) {
    root.replaceChildren(h('li', { class: 'hint' }, translate(lang, 'noHistory')));
    return;
  }
  const when = new Intl.DateTimeFormat(lang === 'id' ? 'id-ID' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
  root.replaceChildren(
    ...generations.map((g) => {
      const button = h('button', { type: 'button' }, translate(lang, 'show'));
      button.addEventListener('click', () => show(g));
      return h(
        'li',
        { 'data-generation': g.id, 'data-status': g.status },
        h('time', { datetime: g.createdAt }, when.format(new Date(g.createdAt))),
        h('span', { class: `status ${g.status.toLowerCase()}` }, translate(lang, statusKey(g.status))),
        h('span', {}, `${translate(lang, g.mode as Key)} · ${g.count}× · ${coinCount(lang, g.cost)}`),
        h('span', { class: 'thumbs' }, ...g.images.slice(0, 4).map((image) => h('img', { src: image.url, alt: '', width: 48, height: 48 }))),
        g.images.length ? button : null,
      );
    }),
  );
}
