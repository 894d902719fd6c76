// The EventBus: in memory for one instance, Redis pub/sub when several instances serve the same users
// (the request runs on one, the subscription may sit on another). A Redis outage only costs progress
// events: every Redis failure is logged, never thrown into a generation.
//
// subscribe() resolves once listening. On Redis that means once Redis has answered the SUBSCRIBE: an
// event published from another connection before that answer is not delivered to this one, and Redis
// keeps no history to recover it from, so no local buffering can make a synchronous subscribe() hold.
// The listener is in place before the SUBSCRIBE goes out, so nothing after the answer is lost either.
import type { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import type { EventBus, GenerationEvent, Logger } from '../../studio/ports.js';

type Topic = Parameters<EventBus['subscribe']>[0];
type Deliver = (channel: string, event: GenerationEvent) => void;

/** How an event published anywhere reaches this process's listeners (`deliver`). */
interface Transport {
  publish(channel: string, event: GenerationEvent): void;
  /** resolves once events published to `channel` from now on reach `deliver`; never rejects (a failure is logged) */
  listen(channel: string): Promise<void>;
  /** the last listener of `channel` in this process is gone */
  unlisten(channel: string): void;
  close(): Promise<void>;
}

// The channel names and JSON payloads of Yoga's Redis pub/sub, which this replaced: old and new
// instances hear each other during a rolling deploy.
const channelOf = (topic: Topic) =>
  'generationId' in topic ? `generation:${topic.generationId}` : `generationByKey:${topic.userId}:${topic.idempotencyKey}`;

/** A SUBSCRIBE Redis has not answered by then is given up on (logged): a generation does not wait on
 *  a Redis that accepts connections but does not answer. */
const SUBSCRIBE_WAIT_MS = 2_000;
/** At startup, how long the bus waits for its connections before it serves (without events). */
const CONNECT_WAIT_MS = 5_000;

const inMemory = (deliver: Deliver): Transport => ({
  publish: deliver,
  listen: async () => {},
  unlisten: () => {},
  close: async () => {},
});

async function redisTransport(url: string, log: Logger, deliver: Deliver): Promise<Transport> {
  const { Redis } = await import('ioredis');
  // Fail fast while disconnected instead of queueing: a progress event that is late is useless.
  const options = { enableOfflineQueue: false, maxRetriesPerRequest: 1 };
  const publisher = new Redis(url, options);
  const subscriber = new Redis(url, options);
  for (const client of [publisher, subscriber]) client.on('error', (error) => log.warn('redis (events)', { error: String(error) }));
  subscriber.on('message', (channel: string, message: string) => {
    let event: GenerationEvent;
    try {
      event = JSON.parse(message) as GenerationEvent;
    } catch {
      return log.warn('redis (events): a message that is not JSON', { channel });
    }
    deliver(channel, event);
  });
  // Without an offline queue a command fails until its connection is ready: let both get there first.
  await Promise.all([publisher, subscriber].map((client) => connected(client, CONNECT_WAIT_MS)));

  // Channels SUBSCRIBEd (or being), each with Redis's answer: later listeners wait for the same one.
  const subscribed = new Map<string, Promise<void>>();
  return {
    publish(channel, event) {
      publisher.publish(channel, JSON.stringify(event)).catch((error: unknown) => log.warn('redis publish failed', { error: String(error) }));
    },
    listen(channel) {
      const pending = subscribed.get(channel);
      if (pending) return pending;
      const answered: Promise<void> = within(subscriber.subscribe(channel), SUBSCRIBE_WAIT_MS, 'redis SUBSCRIBE').then(
        () => {},
        (error: unknown) => {
          log.warn('redis subscribe failed', { error: String(error) });
          // The next listener asks again rather than trusting a subscription that never was.
          if (subscribed.get(channel) === answered) subscribed.delete(channel);
        },
      );
      subscribed.set(channel, answered);
      return answered;
    },
    unlisten(channel) {
      // One connection: Redis runs this UNSUBSCRIBE and any later SUBSCRIBE of the channel in order.
      subscribed.delete(channel);
      subscriber.unsubscribe(channel).catch((error: unknown) => log.warn('redis unsubscribe failed', { error: String(error) }));
    },
    async close() {
      // QUIT fails at once on a connection that is down (no offline queue): drop that one instead,
      // or it would go on reconnecting.
      await Promise.all([publisher, subscriber].map((client) => client.quit().catch(() => client.disconnect())));
    },
  };
}

/** Resolves when `client` is ready, has failed (it keeps reconnecting on its own), or after `ms`. */
function connected(client: Redis, ms: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const outcomes = ['ready', 'error', 'end'] as const;
    const done = () => {
      clearTimeout(timer);
      for (const outcome of outcomes) client.off(outcome, done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const outcome of outcomes) client.once(outcome, done);
  });
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer!: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export async function openEvents(config: Config, log: Logger): Promise<EventBus> {
  const listeners = new Map<string, Set<(event: GenerationEvent) => void>>();
  const deliver: Deliver = (channel, event) => {
    for (const listener of listeners.get(channel) ?? []) listener(event);
  };
  const transport = config.events.kind === 'redis' ? await redisTransport(config.events.url, log, deliver) : inMemory(deliver);

  /** adds `listener` to `channel` at once; the returned function removes it */
  function listen(channel: string, listener: (event: GenerationEvent) => void): () => void {
    let set = listeners.get(channel);
    if (!set) listeners.set(channel, (set = new Set()));
    set.add(listener);
    return () => {
      if (!set.delete(listener) || set.size > 0) return;
      listeners.delete(channel);
      transport.unlisten(channel);
    };
  }

  // Open subscriptions (SSE connections) end when the bus closes, so a shutting-down server drains.
  const open = new Set<AsyncGenerator<GenerationEvent>>();
  let closed = false;
  return {
    publish(to, event) {
      if (to.generationId) transport.publish(channelOf({ generationId: to.generationId }), event);
      if (to.idempotencyKey) transport.publish(channelOf({ userId: to.userId, idempotencyKey: to.idempotencyKey }), event);
    },
    async subscribe(topic) {
      const channel = channelOf(topic);
      const queue: GenerationEvent[] = [];
      let wake: (() => void) | null = null;
      let ended = false;
      // Events are queued from here on, before the transport is asked: whatever arrives once it has
      // confirmed (or even before) waits for the caller's next().
      const unlisten = listen(channel, (event) => {
        queue.push(event);
        wake?.();
      });
      const end = () => {
        if (ended) return;
        ended = true;
        open.delete(events);
        unlisten();
        wake?.();
      };
      const events: AsyncGenerator<GenerationEvent> = (async function* () {
        try {
          while (!ended) {
            if (queue.length > 0) yield queue.shift()!;
            else await new Promise<void>((resolve) => (wake = resolve));
          }
        } finally {
          end();
        }
      })();
      // return() on a generator that never started skips its finally, and on one waiting for an
      // event it would wait for that event first: end here, which also wakes the waiting next().
      const stop = events.return.bind(events);
      events.return = (value) => {
        end();
        return stop(value);
      };
      open.add(events);
      if (closed) await events.return(undefined);
      else await transport.listen(channel);
      return events;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...open].map((events) => events.return(undefined)));
      await transport.close();
    },
  };
}
