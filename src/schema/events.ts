// Live progress of a generation or a clip over Server-Sent Events. Subscribe by id, or by the
// idempotencyKey you are about to send (the only way to watch a job from its first second).
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Context } from '../context.js';
import { catalogState } from '../studio/catalogs.js';
import type { GenerationEvent } from '../studio/ports.js';
import { checkText } from '../studio/text.js';
import { requireViewer } from './auth.js';
import { builder } from './builder.js';
import { GenerationStatusEnum } from './enums.js';

const StageEnum = builder.enumType('GenerationStage', {
  values: {
    QUEUED: { description: 'Waiting: queuePosition jobs ahead, at Etalase first (queue = ETALASE), then at the image service (PROVIDER).' },
    DESCRIBING: { description: 'The vision model is reading the photos (done/total).' },
    GENERATING: { description: 'The images are being made.' },
    REVIEWING: { description: "Each image is checked against the seller's photos (done/total)." },
    REMAKING: { description: 'The images that failed the review are made again, at no charge (done/total).' },
    IMAGE_STORED: { description: 'Our own copy of an image is stored (done/total).' },
    ITEM_FINISHED: { description: "A catalogue's item finished (done of total items); on the catalogue's id." },
    SETTLING: { description: 'Saving the result.', deprecationReason: 'Never sent: each image is reported as it is stored (IMAGE_STORED).' },
    FINISHED: { description: 'Done: see status; query generation(id) for the images.' },
  } as const,
});

const QueueEnum = builder.enumType('GenerationQueue', {
  values: {
    ETALASE: { description: "Etalase's own queue: waiting for a worker." },
    PROVIDER: { description: "The image service's queue." },
  } as const,
});

const GenerationEventRef = builder.objectRef<GenerationEvent>('GenerationEvent').implement({
  fields: (t) => ({
    generationId: t.exposeID('generationId', {
      nullable: true,
      description: 'Null only on a FINISHED event for a request refused before a generation existed (bad input, no coins).',
    }),
    stage: t.expose('stage', { type: StageEnum }),
    done: t.int({ nullable: true, resolve: (e) => ('done' in e ? e.done : null) }),
    total: t.int({ nullable: true, resolve: (e) => ('total' in e ? e.total : null) }),
    queuePosition: t.int({ nullable: true, resolve: (e) => (e.stage === 'QUEUED' ? e.position : null) }),
    queue: t.field({
      type: QueueEnum,
      nullable: true,
      resolve: (e) => (e.stage === 'QUEUED' ? (e.at ?? 'PROVIDER') : null),
    }),
    status: t.field({ type: GenerationStatusEnum, nullable: true, resolve: (e) => (e.stage === 'FINISHED' ? e.status : null) }),
  }),
});

/** Events until FINISHED, or until the subscription's lifetime is over, whichever comes first. An
 *  iterator by hand rather than an async generator: a generator's return() waits for its pending
 *  await (the next event, maybe never), so a client that leaves would keep its place and listener. */
function untilFinished(
  events: AsyncGenerator<GenerationEvent>,
  maxSeconds: number,
  release: () => Promise<void>,
): AsyncIterableIterator<GenerationEvent> {
  const end: IteratorReturnResult<undefined> = { done: true, value: undefined };
  let stopped: Promise<unknown> | null = null;
  let finished = false;
  const stop = () => (stopped ??= (clearTimeout(timer), Promise.allSettled([events.return(undefined), release()])));
  let timer!: NodeJS.Timeout;
  const expired = new Promise<typeof end>((resolve) => {
    timer = setTimeout(() => void stop().then(() => resolve(end)), maxSeconds * 1000);
    timer.unref();
  });
  const iterator: AsyncIterableIterator<GenerationEvent> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      if (stopped || finished) return stop().then(() => end);
      const next = await Promise.race([events.next(), expired]);
      if (next.done) return stop().then(() => end);
      finished = next.value.stage === 'FINISHED';
      return next;
    },
    return: () => stop().then(() => end),
  };
  return iterator;
}

/** `first`, then whatever `rest` yields; by hand for the same reason as untilFinished. */
function startingWith(first: GenerationEvent, rest: AsyncIterableIterator<GenerationEvent> | null): AsyncIterableIterator<GenerationEvent> {
  const end: IteratorReturnResult<undefined> = { done: true, value: undefined };
  let sent = false;
  const iterator: AsyncIterableIterator<GenerationEvent> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      if (!sent) {
        sent = true;
        return { done: false, value: first };
      }
      return rest ? rest.next() : end;
    },
    return: async () => (rest?.return ? rest.return() : end),
  };
  return iterator;
}

/** Positions in Etalase's queue only go down in the database, but events from several processes can
 *  arrive out of order (the enqueue's own report after a worker's newer one): a subscriber is never
 *  told it moved back. */
function neverBackInLine(events: AsyncIterableIterator<GenerationEvent>): AsyncIterableIterator<GenerationEvent> {
  let best = Infinity;
  const iterator: AsyncIterableIterator<GenerationEvent> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      for (;;) {
        const next = await events.next();
        if (next.done || next.value.stage !== 'QUEUED' || next.value.at !== 'ETALASE' || next.value.position === null) return next;
        if (next.value.position <= best) {
          best = next.value.position;
          return next;
        }
      }
    },
    return: async () => (events.return ? events.return() : { done: true, value: undefined }),
  };
  return iterator;
}

/** A place among the user's open subscriptions, held in the database so every instance counts it. */
async function leaseFor(ctx: Context, userId: string): Promise<() => Promise<void>> {
  const { ledger, subscriptions } = ctx.services;
  if (subscriptions.maxPerUser === null) return async () => {};
  const id = randomUUID();
  if (!(await ledger.acquireSubscriptionLease(id, userId, subscriptions.maxPerUser, subscriptions.maxSeconds + 60))) {
    throw new GraphQLError(`At most ${subscriptions.maxPerUser} open subscriptions per account: close one first.`, {
      extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 5, http: { status: 429, headers: { 'retry-after': '5' } } },
    });
  }
  return () => ledger.releaseSubscriptionLease(id);
}

builder.subscriptionType({});
builder.subscriptionField('generationEvents', (t) =>
  t.field({
    type: GenerationEventRef,
    description:
      'Progress of one of your generations, clips or catalogues until it finishes. Give `id` (a generation, a video or a catalogue: ITEM_FINISHED per item), or the `idempotencyKey` of a generateImages, startGeneration or startVideo you are about to send. A clip goes QUEUED → GENERATING → FINISHED.',
    args: { id: t.arg.id(), idempotencyKey: t.arg.string() },
    subscribe: async (_, { id, idempotencyKey }, ctx) => {
      const viewer = requireViewer(ctx);
      const { events, studio, clips, catalogs, subscriptions } = ctx.services;
      if (idempotencyKey) {
        checkText('idempotencyKey', idempotencyKey, 200);
        const release = await leaseFor(ctx, viewer.userId);
        return neverBackInLine(untilFinished(await events.subscribe({ userId: viewer.userId, idempotencyKey }), subscriptions.maxSeconds, release));
      }
      if (!id) throw new GraphQLError('Give id or idempotencyKey.', { extensions: { code: 'BAD_USER_INPUT' } });
      // A generation or a clip of the caller's: the same events, the same topic (the job's id).
      const stateOf = async () => {
        const generation = await studio.generationOf(viewer.userId, String(id));
        if (generation) return { finished: generation.finishedAt !== null, event: () => studio.currentState(generation) };
        const video = await clips.videoOf(viewer.userId, String(id));
        if (video) return { finished: video.finishedAt !== null, event: () => clips.currentState(video) };
        const catalog = await catalogs.catalogOf(viewer.userId, String(id));
        return catalog ? { finished: catalog.finishedAt !== null, event: async () => catalogState(catalog) } : null;
      };
      if (!(await stateOf())) throw new GraphQLError('No such generation or video.', { extensions: { code: 'NOT_FOUND' } });
      // Listening before the second look: a job that finishes in between is seen either way. A late
      // subscriber first gets where the job stands, then the live events.
      const release = await leaseFor(ctx, viewer.userId);
      const live = await events.subscribe({ generationId: String(id) });
      const now = (await stateOf())!;
      const current = await now.event();
      if (now.finished) {
        await Promise.allSettled([live.return(undefined), release()]);
        return startingWith(current, null);
      }
      return neverBackInLine(startingWith(current, untilFinished(live, subscriptions.maxSeconds, release)));
    },
    resolve: (event) => event,
  }),
);
