// The Gemini describer's settings the wire tests share: the fake's address, short timeouts, retries.
import type { GeminiDescriberConfig } from '../../src/adapters/describe/gemini.js';

export const describerConfig = (baseUrl: string, overrides: Partial<GeminiDescriberConfig> = {}): GeminiDescriberConfig => ({
  kind: 'gemini',
  apiKey: 'test-gemini-key',
  model: 'gemini-3.5-flash-lite',
  baseUrl,
  timeoutMs: 5_000,
  budgetMs: 15_000,
  retries: 3,
  ...overrides,
});
