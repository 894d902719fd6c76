// Reads a GraphQL subscription over Server-Sent Events (Yoga's default transport) until it completes.
export interface SseSubscription<T> {
  /** resolves with every `next` payload once the server completes the stream */
  events: Promise<T[]>;
  /** resolves once the server has accepted the subscription (the response headers arrived) */
  opened: Promise<void>;
  /** true once the server ended the stream with `event: complete` (not by dropping the connection) */
  completed(): boolean;
}

export function subscribe<T = any>(
  fetchFn: (input: string, init: RequestInit) => Promise<Response>,
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token: string,
): SseSubscription<T> {
  let opened!: () => void;
  let completed = false;
  const openedPromise = new Promise<void>((resolve) => (opened = resolve));
  const events = (async () => {
    const response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    opened();
    const text = new TextDecoder();
    const reader = response.body!.getReader();
    const payloads: T[] = [];
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return payloads;
      buffer += text.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(message)?.[1];
        const data = /^data: (.*)$/m.exec(message)?.[1];
        if (event === 'complete') {
          completed = true;
          await reader.cancel();
          return payloads;
        }
        if (event === 'next' && data) payloads.push(JSON.parse(data) as T);
      }
    }
  })();
  return { events, opened: openedPromise, completed: () => completed };
}
