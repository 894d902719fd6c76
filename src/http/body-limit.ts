// Request-level refusals as GraphQL-over-HTTP errors, and a byte cap for the JSON-ish bodies: Yoga's
// own cap (maxRequestBodySize) has to leave room for MAX_FILES photos, far too much for a JSON body.
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export type RequestParser = Parameters<Parameters<NonNullable<Plugin['onRequestParse']>>[0]['setRequestParser']>[0];

/** application/json, application/graphql, form-urlencoded bodies and GET query strings */
export const JSON_BODY_LIMIT = 1_000_000;

export const badRequest = (message: string) =>
  new GraphQLError(message, { extensions: { http: { status: 400 }, code: 'BAD_REQUEST' } });

export const tooLarge = (message: string) =>
  new GraphQLError(message, { extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' } });

export const declaredLength = (request: Request): number | null => {
  const header = request.headers.get('content-length');
  return header && /^\d+$/.test(header) ? Number(header) : null;
};

/** Reads the whole body, giving up (and cancelling the stream) as soon as it passes `limit`. */
export async function readCapped(request: Request, limit: number, what: string): Promise<Uint8Array<ArrayBuffer>> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(`${what} is over the ${limit} byte limit.`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Yoga's parser for this content type, fed a body read under `limit` bytes. */
export function capped(parser: RequestParser, limit: number, fetchAPI: { Request: typeof Request }): RequestParser {
  return async (request) => {
    // A declared length within the cap needs no copy: Node's HTTP parser ends the body there.
    const declared = declaredLength(request);
    if (declared !== null && declared <= limit) return parser(request);
    const body = await readCapped(request, limit, 'Request body');
    return parser(new fetchAPI.Request(request.url, { method: request.method, headers: request.headers, body }));
  };
}

/** A GET whose `variables` or `extensions` is not JSON is the client's mistake, not a 500. */
export function tolerantGet(parser: RequestParser): RequestParser {
  return async (request) => {
    try {
      return await parser(request);
    } catch (error) {
      if (error instanceof SyntaxError) throw badRequest('Query parameters "variables" and "extensions" must be JSON.');
      throw error;
    }
  };
}

/** The same request with a body that errors (413) past `limit` bytes: for a body of undeclared length
 *  (chunked), the only kind Node's HTTP parser does not already end at its declared size. */
export function cappedStream(request: Request, limit: number, fetchAPI: { Request: typeof Request; TransformStream?: typeof TransformStream }): Request {
  if (!request.body) return request;
  let size = 0;
  // The native TransformStream for a native body (Yoga's own cap does the same, graphql-yoga#4583).
  const Transform = request.body instanceof ReadableStream ? globalThis.TransformStream : (fetchAPI.TransformStream ?? globalThis.TransformStream);
  const body = request.body.pipeThrough(
    new Transform({
      transform(chunk: Uint8Array, controller) {
        size += chunk.byteLength;
        if (size > limit) controller.error(tooLarge(`Request body is over the ${limit} byte limit.`));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, { method: request.method, headers: request.headers, signal: request.signal, body, duplex: 'half' } as RequestInit);
}
