// A wire-level fake of the Gemini API (generateContent only) for the real @google/genai SDK to talk
// to: point the SDK at `url` with httpOptions.baseUrl. Faults and latency are scripted per test.
// Like the real API it honours generationConfig.maxOutputTokens (≈ 4 characters a token): a longer
// answer is cut there, mid-word, with finishReason MAX_TOKENS. It rejects a thinkingConfig that
// names both thinkingBudget and thinkingLevel, or the wrong one for the model family, with HTTP 400.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type GeminiFault =
  /** 429 RESOURCE_EXHAUSTED with a Retry-After header (seconds, or an HTTP date string) and RetryInfo */
  | { kind: '429'; retryAfter?: number | string }
  | { kind: '500' }
  /** accept the request and never answer until close() */
  | { kind: 'hang' }
  /** 200 with a body that is not JSON */
  | { kind: 'malformed' }
  /** 200 with no candidates, as when a prompt is blocked */
  | { kind: 'empty' }
  /** 400 INVALID_ARGUMENT, as for an unknown model or a bad parameter */
  | { kind: '400' };

/** A scripted answer: text, or how the reply ended instead (a safety block, a recitation). */
export interface GeminiAnswer {
  text?: string;
  finishReason?: 'STOP' | 'MAX_TOKENS' | 'SAFETY' | 'RECITATION' | 'PROHIBITED_CONTENT';
  /** promptFeedback.blockReason: the input itself was blocked, no candidates */
  blockReason?: 'SAFETY' | 'PROHIBITED_CONTENT' | 'OTHER';
  /** tokens the model thinks before it answers: they count against maxOutputTokens first, as on
   *  Gemini 3, so a limit they fill leaves MAX_TOKENS with no text */
  thoughtTokens?: number;
}

export interface GeminiScript {
  /** delay before every answer (faults included), ms */
  latencyMs?: number;
  /** appended to the queue; each fault is used by exactly one request, in order */
  faults?: Array<GeminiFault | GeminiFault['kind']>;
  /** replaces the default reply */
  reply?: (request: GeminiRequest) => string | GeminiAnswer;
}

export interface GeminiRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** parsed JSON body, null when it was not JSON */
  body: any;
  /** Date.now() when the request arrived */
  at: number;
  /** the fault this request received, if any */
  fault?: GeminiFault['kind'];
}

export interface GeminiFake {
  url: string;
  requests: GeminiRequest[];
  /** most requests in flight at once since start or reset() */
  readonly maxInFlight: number;
  readonly inFlight: number;
  script(script: GeminiScript): void;
  /** forget requests, faults, latency and the in-flight maximum */
  reset(): void;
  close(): Promise<void>;
}

export interface GeminiFakeOptions {
  port?: number;
  host?: string;
  latencyMs?: number;
}

export const textOf = (request: GeminiRequest): string =>
  (request.body?.contents?.flatMap((c: any) => c?.parts ?? []) ?? []).map((p: any) => p?.text ?? '').join(' ');

const DRAFT = 'Draft (correct and within the limits; improve it): ';
/** how the describer's one call (describe the photos and write the prompt) starts its text */
export const VISION_MARK = 'Two tasks for the photos above';
export const isVisionStep = (request: GeminiRequest) => textOf(request).includes(VISION_MARK);
const caption = (slot: string, image: any) =>
  `A ${slot} photo (${image?.mimeType ?? 'no image'}, ${image?.data ? Buffer.from(image.data, 'base64').length : 0} bytes). The subject is centred on a plain surface.`;
/** how the review instruction starts (src/adapters/review/gemini.ts) */
export const REVIEW_MARK = 'Review a generated e-commerce photo';
/** The structured answer for a faithful output: what the fake says unless a test scripts another. */
export const FAITHFUL_REVIEW = {
  productPresent: true,
  textOnProduct: [] as string[],
  textOnOutput: [] as string[],
  logoChanged: false,
  colourChanged: false,
  shapeChanged: false,
  watermark: false,
  unsafe: false,
  score: 92,
};
export const isReview = (request: GeminiRequest) => textOf(request).includes(REVIEW_MARK);

/** The default caption: deterministic and derived from what was sent, so tests can check the wiring.
 *  A text-only prompt-writing request gets its draft back; a safety question gets SAFE; a review gets
 *  the answer for a faithful output. */
export function defaultGeminiReply(request: GeminiRequest): string {
  const parts: any[] = request.body?.contents?.flatMap((c: any) => c?.parts ?? []) ?? [];
  const image = parts.find((p) => p?.inlineData)?.inlineData;
  const all = textOf(request);
  if (!image && all.includes(DRAFT)) return all.slice(all.indexOf(DRAFT) + DRAFT.length).trim();
  if (/SAFE or UNSAFE/.test(all)) return 'SAFE';
  // The one call: a note per photo named in the schema (in the photos' order), and the draft as the prompt.
  if (all.includes(VISION_MARK)) {
    const slots: string[] = request.body?.generationConfig?.responseSchema?.properties?.notes?.items?.properties?.slot?.enum ?? [];
    const images = parts.filter((p) => p?.inlineData).map((p) => p.inlineData);
    const kind = (slot: string) => (slot.startsWith('PRODUCT') ? 'product' : slot.toLowerCase());
    return JSON.stringify({ notes: slots.map((slot, i) => ({ slot, text: caption(kind(slot), images[i]) })), prompt: all.slice(all.search(/Draft \([^)]*\): /)).replace(/^Draft \([^)]*\): /, '').trim() });
  }
  if (all.includes(REVIEW_MARK)) return JSON.stringify(FAITHFUL_REVIEW);
  const text = all.toLowerCase();
  return caption(['product', 'face', 'background'].filter((w) => text.includes(w)).join('/') || 'image', image);
}

const normalise = (fault: GeminiFault | GeminiFault['kind']): GeminiFault => (typeof fault === 'string' ? { kind: fault } : fault);

export async function startGeminiFake(options: GeminiFakeOptions = {}): Promise<GeminiFake> {
  const requests: GeminiRequest[] = [];
  let faults: GeminiFault[] = [];
  let latencyMs = options.latencyMs ?? 0;
  let reply: (request: GeminiRequest) => string | GeminiAnswer = defaultGeminiReply;
  let inFlight = 0;
  let maxInFlight = 0;
  const hanging = new Set<http.ServerResponse>();

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const googleError = (code: number, status: string, message: string, details?: unknown[]) => ({
    error: { code, message, status, ...(details ? { details } : {}) },
  });

  const server = http.createServer(async (req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => inFlight--);

    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: any = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = null;
    }
    const path = req.url ?? '/';
    const record: GeminiRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, at: Date.now() };
    requests.push(record);

    if (req.method !== 'POST' || !path.split('?')[0]!.endsWith(':generateContent')) {
      return send(res, 404, googleError(404, 'NOT_FOUND', `fake Gemini does not serve ${req.method} ${path}`));
    }
    if (!req.headers['x-goog-api-key']) {
      return send(res, 403, googleError(403, 'PERMISSION_DENIED', 'Method doesn\'t allow unregistered callers.'));
    }

    const fault = faults.shift();
    record.fault = fault?.kind;
    if (fault?.kind === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    if (res.destroyed) return;

    switch (fault?.kind) {
      case '429': {
        const after = fault.retryAfter ?? 1;
        const seconds = typeof after === 'number' ? after : Math.max(0, Math.ceil((Date.parse(after) - Date.now()) / 1000));
        return send(
          res,
          429,
          googleError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota.', [
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` },
          ]),
          { 'retry-after': String(after) },
        );
      }
      case '500':
        return send(res, 500, googleError(500, 'INTERNAL', 'An internal error has occurred.'));
      case 'malformed':
        return send(res, 200, '{"candidates":[{"content":{"parts":[{"text":"trunc');
      case 'empty':
        return send(res, 200, { promptFeedback: { blockReason: 'OTHER' }, usageMetadata: { promptTokenCount: 270, totalTokenCount: 270 } });
      case '400':
        return send(res, 400, googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.'));
    }
    const model = /models\/([^/:]+):/.exec(path)?.[1] ?? 'unknown';
    const thinking = body?.generationConfig?.thinkingConfig;
    const thinkingProblem =
      thinking?.thinkingBudget !== undefined && thinking?.thinkingLevel !== undefined
        ? 'You cannot use both thinking_level and thinking_budget in the same request.'
        : thinking?.thinkingLevel !== undefined && model.startsWith('gemini-2.5')
          ? 'Thinking level is not supported for this model.'
          : thinking?.thinkingBudget === 0 && (model.startsWith('gemini-3') || model.startsWith('gemini-2.5-pro'))
            ? 'Budget 0 is invalid. This model only works in thinking mode.'
            : null;
    if (thinkingProblem) return send(res, 400, googleError(400, 'INVALID_ARGUMENT', thinkingProblem));

    const scripted = reply(record);
    const answer: GeminiAnswer = typeof scripted === 'string' ? { text: scripted } : scripted;
    if (answer.blockReason) {
      return send(res, 200, { promptFeedback: { blockReason: answer.blockReason }, usageMetadata: { promptTokenCount: 270, totalTokenCount: 270 } });
    }
    let text = answer.text ?? '';
    let finishReason = answer.finishReason ?? 'STOP';
    const thoughts = answer.thoughtTokens ?? 0;
    const limit = (Number(body?.generationConfig?.maxOutputTokens) || Infinity) - thoughts;
    if (limit <= 0) {
      text = '';
      finishReason = 'MAX_TOKENS';
    } else if (Math.ceil(text.length / 4) > limit) {
      text = text.slice(0, limit * 4);
      finishReason = 'MAX_TOKENS';
    }
    const refused = finishReason === 'SAFETY' || finishReason === 'RECITATION' || finishReason === 'PROHIBITED_CONTENT';
    // Thoughts are not returned (includeThoughts is never asked for): a reply of only thoughts has no parts.
    const content = refused ? undefined : { parts: text ? [{ text }] : [], role: 'model' };
    send(res, 200, {
      candidates: [{ ...(content ? { content } : {}), finishReason, index: 0 }],
      usageMetadata: {
        promptTokenCount: 320,
        candidatesTokenCount: Math.ceil(text.length / 4),
        ...(thoughts ? { thoughtsTokenCount: Math.min(thoughts, Number(body?.generationConfig?.maxOutputTokens) || thoughts) } : {}),
        totalTokenCount: 320 + Math.ceil(text.length / 4) + thoughts,
      },
      modelVersion: model,
      responseId: `fake-${requests.length}`,
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    get inFlight() {
      return inFlight;
    },
    script(script) {
      if (script.latencyMs !== undefined) latencyMs = script.latencyMs;
      if (script.faults) faults.push(...script.faults.map(normalise));
      if (script.reply) reply = script.reply;
    },
    reset() {
      requests.length = 0;
      faults = [];
      latencyMs = options.latencyMs ?? 0;
      reply = defaultGeminiReply;
      maxInFlight = inFlight;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
