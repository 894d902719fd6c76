// After every test that moves coins: no negative balance, every balance equals its ledger, every
// failed generation refunded exactly once.
import { randomUUID } from 'node:crypto';
import { afterEach, expect } from 'vitest';
import type { GenerationInput, GenerationReservation, Ledger } from '../../src/studio/ports.js';

/** A reservation as the tests write it: `generationId` names the row (the reservation's `id`). */
export type ReserveRequest = Omit<GenerationReservation, 'id' | 'kind'> & { generationId: string };

export function expectBooksBalancedAfterEach(ledger: () => Pick<Ledger, 'problems'> | undefined): void {
  afterEach(async () => {
    const current = ledger();
    if (current) expect(await current.problems()).toEqual([]);
  });
}

/** A reservation of 1 coin for a text-to-image batch of one, due in a minute; override what a test is about. */
export const reserveRequest = (userId: string, over: Partial<ReserveRequest> = {}): GenerationReservation & ReserveRequest => {
  const request = {
    generationId: randomUUID(),
    userId,
    cost: 1,
    mode: 'TEXT_TO_IMAGE' as const,
    count: 1,
    idempotencyKey: null,
    requestHash: 'hash-a',
    deadlineAt: new Date(Date.now() + 60_000),
    input: {} as GenerationInput,
    ...over,
  };
  return { ...request, kind: 'generation', id: request.generationId };
};
