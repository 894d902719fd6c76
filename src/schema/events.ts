// Live progress of a generation over Server-Sent Events. Subscribe by id, or by the idempotencyKey
// you are about to send with generateImages (the only way to watch a batch from its first second).
import { GraphQLError } from 'graphql';
import type { GenerationEvent } from '../studio/ports.js';
import { requireViewer } from './auth.js';
import { builder } from './builder.js';
import { GenerationStatusEnum } from './enums.js';

const StageEnum = builder.enumType('GenerationStage', {
  values: {
    QUEUED: { description: 'Waiting: queuePosition jobs ahead, at Etalase first (queue = ETALASE), then at the image service (PROVIDER).' },
    DESCRIBING: { description: 'The vision model is reading the photos (done/total).' },
    GENERATING: { description: 'The images are being made.' },
    IMAGE_STORED: { description: 'Our own copy of an image is stored (done/total).' },
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
    done: t.int({ nullable: true, resolve: (e) => (e.stage === 'DESCRIBING' || e.stage === 'IMAGE_STORED' ? e.done : null) }),
    total: t.int({ nullable: true, resolve: (e) => (e.stage === 'DESCRIBING' || e.stage === 'IMAGE_STORED' ? e.total : null) }),
    queuePosition: t.int({ nullable: true, resolve: (e) => (e.stage === 'QUEUED' ? e.position : null) }),
    queue: t.field({
      type: QueueEnum,
      nullable: true,
      resolve: (e) => (e.stage === 'QUEUED' ? (e.at ?? 'PROVIDER') : null),
    }),
    status: t.field({ type: GenerationStatusEnum, nullable: true, resolve: (e) => (e.stage === 'FINISHED' ? e.status : null) }),
  }),
});

async function* untilFinished(events: AsyncGenerator<GenerationEvent>) {
  try {
    for await (const event of events) {
      yield event;
      if (event.stage === 'FINISHED') return;
    }
  } finally {
    await events.return(undefined);
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
      const { events, studio } = ctx.services;
      if (idempotencyKey) return untilFinished(events.subscribe({ userId: viewer.userId, idempotencyKey }));
      if (!id) throw new GraphQLError('Give id or idempotencyKey.', { extensions: { code: 'BAD_USER_INPUT' } });
      if (!(await studio.generationOf(viewer.userId, String(id)))) {
        throw new GraphQLError('No such generation.', { extensions: { code: 'NOT_FOUND' } });
      }
      // Listening before the second look: a batch that finishes in between is seen either way. A late
      // subscriber first gets where the batch stands, then the live events.
      const live = events.subscribe({ generationId: String(id) });
      const now = (await studio.generationOf(viewer.userId, String(id)))!;
      const current = await studio.currentState(now);
      return (async function* () {
        try {
          yield current;
          if (!now.finishedAt) yield* untilFinished(live);
        } finally {
          await live.return(undefined);
        }
      })();
    },
    resolve: (event) => event,
  }),
);
