// The webhook a backend asked for with `webhookUrl`: one call when the generation finishes, whatever
// the outcome, retried through the queue until the receiver answers 2xx. Its id is the same on
// every retry (`msg_<generationId>`), so a receiver that got it twice can tell.
import type { GenerationRecord, JobQueue, Ledger, Logger, Storage, WebhookDelivery, Webhooks } from './ports.js';
import type { StoredInput } from './run.js';

export interface WebhookDeps {
  ledger: Ledger;
  storage: Storage;
  queue: JobQueue;
  webhooks: Webhooks | null;
  log: Logger;
}

/** Queues the webhook of a finished generation, if it asked for one; never throws. */
export async function queueWebhook(deps: WebhookDeps, generation: GenerationRecord): Promise<void> {
  const url = (generation.input as Partial<StoredInput>).webhookUrl;
  if (!url || !generation.finishedAt || !deps.webhooks) return;
  await deps.queue
    .enqueueWebhook({ id: `msg_${generation.id}`, generationId: generation.id, url })
    .catch((error) => deps.log.error('queueing a webhook failed', { generationId: generation.id, error: String(error) }));
}

/** The queue's handler: builds the payload (fresh signed image links) and calls the receiver. */
export function webhookHandler(deps: WebhookDeps) {
  return async (delivery: WebhookDelivery): Promise<void> => {
    const g = await deps.ledger.generation(delivery.generationId);
    if (!g || !deps.webhooks) return;
    const payload = {
      type: 'generation.finished',
      timestamp: (g.finishedAt ?? new Date()).toISOString(),
      data: {
        id: g.id,
        status: g.status,
        mode: g.mode,
        count: g.count,
        cost: g.cost,
        error: g.error,
        warnings: g.warnings,
        images: await Promise.all(
          g.images.map(async (i) => ({
            url: i.key ? await deps.storage.signedUrl(i.key) : (i.url ?? ''),
            width: i.width,
            height: i.height,
            contentType: i.contentType,
            videoPrompts: i.videoPrompts,
          })),
        ),
        createdAt: g.createdAt.toISOString(),
        finishedAt: g.finishedAt?.toISOString() ?? null,
      },
    };
    try {
      await deps.webhooks.deliver(delivery, payload);
      deps.log.info('webhook delivered', { generationId: g.id, webhookId: delivery.id });
    } catch (error) {
      deps.log.warn('webhook delivery failed; retried later', { generationId: g.id, webhookId: delivery.id, error: String(error) });
      throw error;
    }
  };
}
