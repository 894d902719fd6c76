// A small GraphQL client over fetch, shared by the studio page and the example CLI (both run it as
// is: it uses only fetch, FormData, Blob and streams). Queries and mutations go as JSON, or as a
// GraphQL multipart request when the variables hold files; subscriptions use GraphQL over SSE in
// "distinct connections" mode, which Yoga serves on the same endpoint (POST, Accept: text/event-stream).
import type { TypedDocumentString } from './generated/graphql.js';

export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GraphQLRequestError';
  }
}

export interface ClientOptions {
  /** the GraphQL endpoint, e.g. "/graphql" in the page or "http://localhost:4000/graphql" */
  endpoint: string;
  /** read on every request, so signing in or out needs no new client */
  token?: () => string | null | undefined;
  fetch?: typeof fetch;
}

export interface Subscription {
  /** resolves once the server accepted the subscription: safe to send the request it watches */
  opened: Promise<void>;
  /** resolves when the server completes the stream; rejects on an error or a dropped connection */
  finished: Promise<void>;
  close(): void;
}

type Doc<R, V> = TypedDocumentString<R, V>;

/** Replaces every File/Blob in `value` by null and lists where it was (multipart `map` paths). */
export function extractFiles(value: unknown, path = 'variables'): { clone: unknown; files: Array<[string, Blob]> } {
  if (value instanceof Blob) return { clone: null, files: [[path, value]] };
  if (Array.isArray(value)) {
    const files: Array<[string, Blob]> = [];
    const clone = value.map((item, i) => {
      const inner = extractFiles(item, `${path}.${i}`);
      files.push(...inner.files);
      return inner.clone;
    });
    return { clone, files };
  }
  if (value && typeof value === 'object') {
    const files: Array<[string, Blob]> = [];
    const clone: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const inner = extractFiles(item, `${path}.${key}`);
      files.push(...inner.files);
      clone[key] = inner.clone;
    }
    return { clone, files };
  }
  return { clone: value, files: [] };
}

function firstError(errors: GraphQLErrorShape[] | undefined, status?: number): GraphQLRequestError | null {
  const error = errors?.[0];
  return error ? new GraphQLRequestError(error.message, error.extensions?.code, status) : null;
}

export function createClient(options: ClientOptions) {
  const fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  const auth = (): Record<string, string> => {
    const token = options.token?.();
    return token ? { authorization: `Bearer ${token}` } : {};
  };

  async function request<R, V>(document: Doc<R, V>, variables: V): Promise<R> {
    const query = document.toString();
    const { clone, files } = extractFiles(variables ?? {});
    let body: BodyInit;
    // Yoga's CSRF rule: a multipart request must carry a header a plain HTML form cannot send.
    const headers: Record<string, string> = { accept: 'application/graphql-response+json, application/json', 'x-graphql-yoga-csrf': '1', ...auth() };
    if (files.length) {
      const form = new FormData();
      form.append('operations', JSON.stringify({ query, variables: clone }));
      form.append('map', JSON.stringify(Object.fromEntries(files.map(([path], i) => [String(i), [path]]))));
      files.forEach(([, file], i) => form.append(String(i), file, file instanceof File ? file.name : `file-${i}`));
      body = form;
    } else {
      headers['content-type'] = 'application/json';
      body = JSON.stringify({ query, variables: clone });
    }
    const response = await fetchFn(options.endpoint, { method: 'POST', headers, body });
    const payload = (await response.json().catch(() => null)) as { data?: R; errors?: GraphQLErrorShape[] } | null;
    const error = firstError(payload?.errors, response.status);
    if (error) throw error;
    if (!response.ok || !payload?.data) {
      // Transport limits answer before GraphQL: 413 for a file over MAX_FILE_BYTES, 400 for too many files.
      const reason = response.status === 413 ? 'A file is larger than the server accepts.' : `HTTP ${response.status}`;
      throw new GraphQLRequestError(reason, response.status === 413 ? 'REQUEST_ENTITY_TOO_LARGE' : undefined, response.status);
    }
    return payload.data;
  }

  function subscribe<R, V>(document: Doc<R, V>, variables: V, onNext: (data: R) => void): Subscription {
    const abort = new AbortController();
    let opened!: () => void;
    let failedToOpen!: (error: unknown) => void;
    const openedPromise = new Promise<void>((resolve, reject) => ((opened = resolve), (failedToOpen = reject)));
    const finished = (async () => {
      const response = await fetchFn(options.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...auth() },
        body: JSON.stringify({ query: document.toString(), variables }),
        signal: abort.signal,
      });
      if (!response.ok || !response.body) throw new GraphQLRequestError(`Subscription refused: HTTP ${response.status}`, undefined, response.status);
      opened();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new GraphQLRequestError('The progress stream ended before the generation finished.');
        buffer += value.replace(/\r\n?/g, '\n');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of message.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (event === 'complete') {
            await reader.cancel();
            return;
          }
          if (event !== 'next' || !data.length) continue; // keep-alive comments and unknown events
          const payload = JSON.parse(data.join('\n')) as { data?: R; errors?: GraphQLErrorShape[] };
          const error = firstError(payload.errors);
          if (error) throw error;
          if (payload.data) onNext(payload.data);
        }
      }
    })();
    finished.catch(failedToOpen);
    const settled = finished.catch((error) => {
      if (abort.signal.aborted) return;
      throw error;
    });
    // A caller that gave up at `opened` never awaits this: that must not be an unhandled rejection.
    settled.catch(() => {});
    openedPromise.catch(() => {});
    return { opened: openedPromise, finished: settled, close: () => abort.abort() };
  }

  return { request, subscribe };
}

export type Client = ReturnType<typeof createClient>;

/** POST /dev/token (AUTH=dev): the server's answer, with `token` when it handed one out. Shared by the
 *  studio page's sign-in and the example CLI's. */
export async function askDevToken(url: string | URL, name: string): Promise<{ status: number; token?: string; error?: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  const body = (await response.json().catch(() => ({}))) as { token?: string; error?: string };
  return { ...body, status: response.status };
}
