// Generation progress as pub/sub topics: in memory for one instance, Redis when several instances
// serve the same users (the request runs on one, the subscription may sit on another).
import { createPubSub, type PubSub } from 'graphql-yoga';
import type { Config } from '../../config.js';
import type { GenerationProgress, ProgressRef } from '../../studio/ports.js';

export type GenerationEvent = GenerationProgress & { generationId: string };

export type EventTopics = {
  /** by generation id */
  generation: [generationId: string, event: GenerationEvent];
  /** by `${userId}:${idempotencyKey}`: lets a client subscribe before it knows the id */
  generationByKey: [userKey: string, event: GenerationEvent];
};

export interface Events {
  pubsub: PubSub<EventTopics>;
  publish(ref: ProgressRef, progress: GenerationProgress): void;
  close(): Promise<void>;
}

export const userKey = (userId: string, idempotencyKey: string) => `${userId}:${idempotencyKey}`;

export async function openEvents(config: Config): Promise<Events> {
  let close = async () => {};
  let pubsub: PubSub<EventTopics>;
  if (config.events.kind === 'redis') {
    const [{ Redis }, { createRedisEventTarget }] = await Promise.all([import('ioredis'), import('@graphql-yoga/redis-event-target')]);
    const options = { maxRetriesPerRequest: 3, lazyConnect: false };
    const publishClient = new Redis(config.events.url, options);
    const subscribeClient = new Redis(config.events.url, options);
    pubsub = createPubSub<EventTopics>({ eventTarget: createRedisEventTarget({ publishClient, subscribeClient }) });
    close = async () => {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    };
  } else {
    pubsub = createPubSub<EventTopics>();
  }
  return {
    pubsub,
    publish(ref, progress) {
      const event = { ...progress, generationId: ref.generationId };
      pubsub.publish('generation', ref.generationId, event);
      if (ref.idempotencyKey) pubsub.publish('generationByKey', userKey(ref.userId, ref.idempotencyKey), event);
    },
    close,
  };
}
