/// <reference lib="dom" />
// "Buat ulang (gratis)" on an image that failed the review: one free re-make (remakeImage); the batch
// is shown again once the job has finished (its row is read every second, for at most two minutes).
import type { Client } from '../client.js';
import { StudioRemakeDocument, StudioRemakeImageDocument, type StudioGenerationFragment } from '../generated/graphql.js';
import { TERMINAL } from '../statuses.js';

export function remakeButton(client: Client, show: (generation: StudioGenerationFragment) => void, messageOf: (error: unknown) => string) {
  return async function remake(imageId: string, button: HTMLButtonElement) {
    button.disabled = true;
    try {
      const { result } = await client.request(StudioRemakeImageDocument, { input: { imageId } });
      if ('message' in result) {
        button.textContent = result.message;
        return;
      }
      for (let i = 0; i < 120; i++) {
        const { remake: job } = await client.request(StudioRemakeDocument, { id: result.remake.id });
        if (job && TERMINAL.has(job.status)) {
          if (job.generation) show(job.generation);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    } catch (error) {
      button.textContent = messageOf(error);
    }
  };
}
