// The EventBus over Yoga's pub/sub: in memory for one instance, Redis when several instances serve
// the same users (the request runs on one, the subscription may sit on another). A Redis outage only
// costs progress events: every Redis failure is logged, never thrown into a generation.
import { createPubSub, type PubSub } from 'graphql-yoga';
import type { Config } from '../../config.js';
import type { EventBus, GenerationEvent, Logger } from '../../studio/ports.js';

type Topics = {
  generation: [generationId: string, event: GenerationEvent];
  generationByKey: [userKey: string, event: GenerationEvent];
};

const userKey = (userId: string, idempotencyKey: string) => `${userId}:${idempotencyKey}`;

async function redisPubSub(url: string, log: Logger): Promise<{ pubsub: PubSub<Topics>; close(): Promise<void> }> {
  const [{ Redis }, { createRedisEventTarget }] = await Promise.all([import('ioredis'), import('@graphql-yoga/redis-event-target')]);
  // Fail fast while disconnected instead of queueing: a progress event that is late is useless.
  const options = { enableOfflineQueue: false, maxRetriesPerRequest: 1 };
  const clients = [new Redis(url, options), new Redis(url, options)];
  for (const client of clients) client.on('error', (error) => log.warn('redis (events)', { error: String(error) }));
  // The event target calls publish/subscribe without handling their promises: catch them here.
  const guarded = clients.map(
    (client) =>
      new Proxy(client, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (typeof value !== 'function') return value;
          if (property === 'publish' || property === 'subscribe' || property === 'unsubscribe') {
            return (...args: unknown[]) =>
              (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).catch((error: unknown) => {
                log.warn(`redis ${String(property)} failed`, { error: String(error) });
              });
          }
          return value.bind(target);
        },
      }),
  );
  return {
    pubsub: createPubSub<Topics>({ eventTarget: createRedisEventTarget({ publishClient: guarded[0]!, subscribeClient: guarded[1]! }) }),
    close: async () => {
      await Promise.allSettled(clients.map((c) => c.quit()));
    },
  };
}

export async function openEvents(config: Config, log: Logger): Promise<EventBus> {
  const { pubsub, close } =
    config.events.kind === 'redis' ? await redisPubSub(config.events.url, log) : { pubsub: createPubSub<Topics>(), close: async () => {} };

  // Open subscriptions (SSE connections) end when the bus closes, so a shutting-down server drains.
  const open = new Set<AsyncGenerator<GenerationEvent>>();
  let closed = false;
  return {
    publish(to, event) {
      if (to.generationId) pubsub.publish('generation', to.generationId, event);
      if (to.idempotencyKey) pubsub.publish('generationByKey', userKey(to.userId, to.idempotencyKey), event);
    },
    subscribe(topic) {
      const source =
        'generationId' in topic
          ? pubsub.subscribe('generation', topic.generationId)
          : pubsub.subscribe('generationByKey', userKey(topic.userId, topic.idempotencyKey));
      // Yoga's subscription is lazy: the first next() attaches the listener, so ask for it now.
      const first = source.next();
      // Declared first: the generator removes itself from `open` when it ends.
      let events!: AsyncGenerator<GenerationEvent>;
      events = (async function* () {
        try {
          for (let r = await first; !r.done; r = await source.next()) yield r.value;
        } finally {
          open.delete(events);
          await source.return?.();
        }
      })();
      open.add(events);
      // return() on a generator that never started skips its finally: close the source here too.
      const stop = events.return.bind(events);
      events.return = async (value) => {
        open.delete(events);
        await source.return?.();
        return stop(value);
      };
      return events;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...open].map((events) => events.return(undefined)));
      await close();
    },
  };
}
