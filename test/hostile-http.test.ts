// The real listening server against hostile traffic: the GraphQL-over-HTTP audit, a bounded fuzz of
// mutated multipart bodies and documents, and a client that trickles its upload.
import { connect } from 'node:net';
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { multipartBody } from './helpers/app.js';
import { jpeg } from './helpers/images.js';
import { startServer, type RunningServer } from './helpers/server.js';

let server: RunningServer;
let token: string;

beforeAll(async () => {
  // A seller with no coins: no request of the fuzz can legitimately move one.
  server = await startServer({ SIGNUP_COINS: '0', REQUEST_TIMEOUT_MS: '2000', LOG_LEVEL: 'warn' });
  token = await server.token('fuzzed');
});
afterAll(() => server?.close());

const GENERATE = `mutation($input: GenerateImagesInput!) { generateImages(input: $input) {
  __typename ... on Error { message } ... on GenerateImagesSuccess { remainingCoins } } }`;

const gql = (query: string, variables: unknown = {}) =>
  fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  }).then((r) => r.json() as Promise<any>);

const ledgerOf = async () => (await gql('{ me { coinsBalance coinHistory { edges { node { kind delta } } } } }')).data.me;

describe('graphql-http audit', () => {
  test('the listening server passes every GraphQL-over-HTTP audit', async () => {
    const results = await Promise.all(serverAudits({ url: `${server.url}/graphql` }).map((audit) => audit.fn()));
    const failures = results.filter((r) => r.status === 'error' || r.status === 'warn');
    expect(failures.map((f) => `${f.name}: ${'reason' in f ? f.reason : ''}`)).toEqual([]);
    // Accepted notices (README, Security): three optional ("MAY") GET forms that the audit sends
    // without a CSRF header, which the CSRF plugin refuses (403), as it should.
    const notices = results.filter((r) => r.status === 'notice').map((r) => r.name);
    expect(notices).toEqual([
      'MAY accept application/x-www-form-urlencoded formatted GET requests',
      'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
      'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
    ]);
  });
});

/** A small deterministic generator, so a failing run can be replayed. */
function prng(seed: number) {
  let x = seed >>> 0;
  return () => ((x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

describe('bounded fuzz', () => {
  test('300 mutated multipart bodies and documents: no 500, health answered throughout, no coin moved', async () => {
    const random = prng(20261201);
    const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
    const photo = await jpeg({ width: 300, height: 300 });
    const valid = new Uint8Array(
      await new Response(multipartBody(GENERATE, { input: { productImages: [null, null] } }, [
        { path: 'input.productImages.0', bytes: photo },
        { path: 'input.productImages.1', bytes: photo },
      ])).arrayBuffer(),
    );
    const boundary = /^--([^\r\n]+)/.exec(new TextDecoder().decode(valid.subarray(0, 200)))![1]!;
    const documents = [
      '{ me { coinsBalance generations(first: 3) { edges { node { id images { url } } } } } }',
      GENERATE,
      '{ styleCatalog { categories { value labelId } poses { poses { value } } } }',
      'query($id: ID!) { generation(id: $id) { id status } }',
    ];
    const tokensOf = (doc: string) => doc.split(/(\s+|[{}()$:!,@.])/).filter(Boolean);
    const mutateBytes = (bytes: Uint8Array) => {
      const out = Array.from(bytes);
      const kind = pick(['flip', 'cut', 'dup', 'insert', 'swap']);
      const at = Math.floor(random() * out.length);
      if (kind === 'flip') for (let i = 0; i < 8; i++) out[Math.floor(random() * out.length)] = Math.floor(random() * 256);
      if (kind === 'cut') out.length = at;
      if (kind === 'dup') out.splice(at, 0, ...out.slice(at, at + Math.floor(random() * 400)));
      if (kind === 'insert') out.splice(at, 0, ...new TextEncoder().encode(pick(['"', '{', '[', '999999999999', 'null', '\u0000', '.__proto__', '\r\n--' + boundary + '\r\n'])));
      if (kind === 'swap') {
        const b = Math.floor(random() * out.length);
        [out[at], out[b]] = [out[b]!, out[at]!];
      }
      return new Uint8Array(out);
    };
    const mutateDocument = (doc: string) => {
      const tokens = tokensOf(doc);
      for (let n = 1 + Math.floor(random() * 4); n > 0; n--) {
        const at = Math.floor(random() * tokens.length);
        const kind = pick(['drop', 'dup', 'insert']);
        if (kind === 'drop') tokens.splice(at, 1);
        if (kind === 'dup') tokens.splice(at, 0, ...tokens.slice(at, at + 1 + Math.floor(random() * 6)).flatMap((t) => Array(1 + Math.floor(random() * 50)).fill(t)));
        if (kind === 'insert') tokens.splice(at, 0, pick(['{', '}', '(', ')', '...', 'on', '__typename', '@skip(if: true)', 'a: ', '"\\u0000"', '[', '$x', 'fragment']));
      }
      return tokens.join('');
    };

    const statuses = new Map<number, number>();
    const serverErrors: string[] = [];
    const health: number[] = [];
    // Sent alongside each batch of mutated requests: the server keeps answering others while it
    // refuses them. (How fast it answers is the bench's business, not a test's.)
    const probe = async () => health.push((await fetch(`${server.url}/health`)).status);

    const before = await ledgerOf();
    const send = async (i: number) => {
      const multipart = i % 2 === 0;
      const response = multipart
        ? await fetch(`${server.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'x-graphql-yoga-csrf': '1', authorization: `Bearer ${token}` },
            body: mutateBytes(valid),
          })
        : await fetch(`${server.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: random() < 0.8
              ? JSON.stringify({ query: mutateDocument(pick(documents)), variables: { id: 'x', input: {} } })
              : new TextDecoder().decode(mutateBytes(new TextEncoder().encode(JSON.stringify({ query: pick(documents), variables: { input: { count: 2 } } })))),
          });
      const text = await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      // Not even a masked internal error: every mutation is bad input and must be answered as such.
      if (response.status >= 500 || text.includes('INTERNAL_SERVER_ERROR')) serverErrors.push(`#${i} ${response.status}: ${text.slice(0, 200)}`);
    };
    for (let i = 0; i < 300; i += 4) await Promise.all([...[i, i + 1, i + 2, i + 3].map(send), probe()]);
    console.info(`[fuzz] statuses ${JSON.stringify(Object.fromEntries(statuses))}`);

    if (serverErrors.length) console.info(server.output().split('\n').filter((l) => l.includes('unexpected error')).join('\n').slice(0, 3000));
    expect(serverErrors).toEqual([]);
    expect(health).toEqual(Array(75).fill(200));
    expect(await ledgerOf()).toEqual(before);
    // And it still serves.
    expect((await gql('{ quote { coins } }')).data.quote.coins).toBe(1);
  });
});

describe('slow clients', () => {
  test('an upload trickling a byte at a time is cut off after REQUEST_TIMEOUT_MS', async () => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => {}); // the server resets the connection: that is the point
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\nx-graphql-yoga-csrf: 1\r\n\r\n`,
    );
    let answer = '';
    socket.on('data', (d) => (answer += d));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const trickle = setInterval(() => socket.writable && socket.write('-'), 200);
    // Without the timeout the body would take 100 000 × 200 ms; the test's own limit is 60 s.
    await closed;
    clearInterval(trickle);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});
