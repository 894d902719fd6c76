/// <reference lib="dom" />
// Clips on the studio page: under each image, "Buat video" A or B, the clip's progress while it is
// made, then an inline player and a download link for every clip of that image.
import type { Client } from '../client.js';
import {
  StudioVideoQuoteDocument,
  StudioStartVideoDocument,
  StudioVideoDocument,
  StudioGenerationEventsDocument,
  type StudioGenerationFragment,
  type StudioVideoFragment,
} from '../generated/graphql.js';
import { h } from './dom.js';
import { translate, type Key, type Lang } from './i18n.js';

export type StudioImage = StudioGenerationFragment['images'][number];
/** a clip being made from an image: its last stage, or why it could not start */
export type ClipState = { running: true; stage: string } | { running: false; error: string };

const STAGE_KEYS: Record<string, Key> = { QUEUED: 'QUEUED', GENERATING: 'clipMaking', FINISHED: 'FINISHED' };

function player(video: StudioVideoFragment, lang: Lang): HTMLElement {
  if (video.status !== 'SUCCEEDED' || !video.url) {
    const failed = video.status === 'FAILED' || video.status === 'CANCELED';
    return h(
      'p',
      { class: failed ? 'error clip-note' : 'hint clip-note', 'data-video': video.id, 'data-status': video.status },
      `${translate(lang, 'clip')} ${video.version}: ${translate(lang, (video.status === 'QUEUED' ? 'QUEUED_status' : video.status) as Key)}`,
      failed && video.error ? ` — ${video.error} ${translate(lang, 'refunded')}` : '',
    );
  }
  return h(
    'div',
    { class: 'clip', 'data-video': video.id, 'data-status': video.status, 'data-version': video.version },
    h('video', { src: video.url, poster: video.posterUrl ?? undefined, controls: true, playsinline: true, preload: 'metadata', width: video.width ?? undefined, height: video.height ?? undefined }),
    h(
      'p',
      { class: 'hint' },
      `${translate(lang, 'clip')} ${video.version} · ${video.durationSeconds} s · ${video.width}×${video.height}${video.hasAudio ? ` · ${translate(lang, 'withSound')}` : ''} `,
      h('a', { href: video.url, download: `etalase-${video.id}.mp4`, class: 'download' }, translate(lang, 'download')),
    ),
    ...video.warnings.map((w) => h('p', { class: 'hint' }, w)),
  );
}

/** The clip part of an image's card. */
export function clipSection(image: StudioImage, lang: Lang, state: ClipState | undefined, price: number | null, start: (version: 'A' | 'B') => void): HTMLElement {
  const buttons = (['A', 'B'] as const).map((version) => {
    const button = h('button', { type: 'button', class: 'make-video', 'data-version': version, disabled: state?.running === true }, `${translate(lang, 'makeVideo')} ${version}`);
    button.addEventListener('click', () => start(version));
    return button;
  });
  const status = !state
    ? null
    : state.running
      ? h('p', { class: 'hint clip-progress', 'data-stage': state.stage }, `${translate(lang, STAGE_KEYS[state.stage] ?? 'clipMaking')}…`)
      : h('p', { class: 'error clip-progress' }, state.error);
  return h(
    'div',
    { class: 'clips' },
    h('h3', {}, translate(lang, 'videos'), price === null ? null : h('small', { class: 'hint' }, `${price} ${translate(lang, 'coins')}`)),
    h('div', { class: 'row' }, ...buttons),
    status,
    ...image.videos.map((video) => player(video, lang)),
  );
}

/** Starts a clip and follows it to the end: the finished video, or the reason it never started. */
export async function makeClip(
  client: Client,
  imageId: string,
  version: 'A' | 'B',
  idempotencyKey: string,
  onStage: (stage: string) => void,
): Promise<{ video: StudioVideoFragment | null; error: string | null }> {
  // Subscribed by the key before the request: the stream sees the clip from its first event.
  const events = client.subscribe(StudioGenerationEventsDocument, { idempotencyKey }, (data) => onStage(data.generationEvents.stage));
  try {
    await events.opened;
    const { result } = await client.request(StudioStartVideoDocument, { input: { imageId, version, idempotencyKey } });
    if ('message' in result) return { video: null, error: result.message };
    await events.finished;
    const { video } = await client.request(StudioVideoDocument, { id: result.video.id });
    return { video: video ?? null, error: null };
  } finally {
    events.close();
  }
}

export interface ClipControlsDeps {
  client: Client;
  lang(): Lang;
  /** a fresh idempotency key */
  key(): string;
  /** draws the results again (the clip parts changed) */
  rerender(): void;
  /** after a clip ended, whatever the outcome: read the batch (its videos) and the balance again */
  afterClip(): Promise<void>;
  messageOf(error: unknown): string;
}

/** The page's clips: one in the making per image at most, and the price of one. */
export function clipControls(deps: ClipControlsDeps) {
  const states = new Map<string, ClipState>();
  let price: number | null = null;

  async function start(imageId: string, version: 'A' | 'B') {
    if (states.get(imageId)?.running) return;
    const set = (state: ClipState | null) => {
      if (state) states.set(imageId, state);
      else states.delete(imageId);
      deps.rerender();
    };
    set({ running: true, stage: 'QUEUED' });
    try {
      const { error } = await makeClip(deps.client, imageId, version, deps.key(), (stage) => set({ running: true, stage }));
      set(error ? { running: false, error } : null);
    } catch (error) {
      set({ running: false, error: deps.messageOf(error) });
    }
    await deps.afterClip();
  }

  return {
    section: (image: StudioImage) => clipSection(image, deps.lang(), states.get(image.id), price, (version) => void start(image.id, version)),
    async loadPrice() {
      price = (await deps.client.request(StudioVideoQuoteDocument, {})).videoQuote.coins;
    },
  };
}
