// Live progress of a generation over Server-Sent Events. Subscribe by id, or by the idempotencyKey
// you are about to send with generateImages (the only way to watch a batch from its first second).
import { GraphQLError } from 'graphql';
import type { GenerationEvent } from '../adapters/events/pubsub.js';
import { userKey } from '../adapters/events/pubsub.js';
import { requireViewer } from './auth.js';
import { builder } from './builder.js';
import { GenerationStatusEnum } from './enums.js';

const StageEnum = builder.enumType('GenerationStage', {
  values: {
    DESCRIBING: { description: 'The vision model is reading the photos (done/total).' },
    QUEUED: { description: 'Waiting in the image service queue (queuePosition).' },
    GENERATING: { description: 'The images are being made.' },
    SETTLING: { description: 'Saving the result.' },
    FINISHED: { description: 'Done: see status; query generation(id) for the images.' },
  } as const,
});

const GenerationEventRef = builder.objectRef<GenerationEvent>('GenerationEvent').implement({
  fields: (t) => ({
    generationId: t.exposeID('generationId'),
    stage: t.expose('stage', { type: StageEnum }),
    done: t.int({ nullable: true, resolve: (e) => (e.stage === 'DESCRIBING' ? e.done : null) }),
    total: t.int({ nullable: true, resolve: (e) => (e.stage === 'DESCRIBING' ? e.total : null) }),
    queuePosition: t.int({ nullable: true, resolve: (e) => (e.stage === 'QUEUED' ? e.position : null) }),
    status: t.field({ type: GenerationStatusEnum, nullable: true, resolve: (e) => (e.stage === 'FINISHED' ? e.status : null) }),
  }),
});

async function* untilFinished(source: AsyncIterable<GenerationEvent>, first: GenerationEvent[] = []) {
  for (const event of first) yield event;
  if (first.some((e) => e.stage === 'FINISHED')) return;
  for await (const event of source) {
    yield event;
    if (event.stage === 'FINISHED') return;
  }
}

builder.subscriptionType({});
builder.subscriptionField('generationEvents', (t) =>
  t.field({
    type: GenerationEventRef,
    description: 'Progress of one of your generations until it finishes. Give `id`, or the `idempotencyKey` of a generateImages you are about to send.',
    args: { id: t.arg.id(), idempotencyKey: t.arg.string() },
    subscribe: async (_, { id, idempotencyKey }, ctx) => {
      const viewer = requireViewer(ctx);
      const { pubsub } = ctx.services.events;
      if (idempotencyKey) return untilFinished(pubsub.subscribe('generationByKey', userKey(viewer.userId, idempotencyKey)));
      if (!id) throw new GraphQLError('Give id or idempotencyKey.', { extensions: { code: 'BAD_USER_INPUT' } });
      // Subscribe before reading the state, so a batch finishing in between is not missed.
      const source = pubsub.subscribe('generation', String(id));
      const generation = /^[0-9a-f-]{36}$/i.test(String(id)) ? await ctx.services.ledger.generation(String(id)) : null;
      if (generation?.userId !== viewer.userId) {
        await source.return?.();
        throw new GraphQLError('No such generation.', { extensions: { code: 'NOT_FOUND' } });
      }
      const done: GenerationEvent[] = generation.finishedAt ? [{ generationId: generation.id, stage: 'FINISHED', status: generation.status }] : [];
      if (done.length) await source.return?.();
      return untilFinished(source, done);
    },
    resolve: (event) => event,
  }),
);
