// What one GraphQL document may ask for, and the headers every answer carries. In-process through
// yoga.fetch; each refusal is checked to be cheap (no resolver ran) and the server answers after it.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GRAPHIQL_ASSETS_PATH } from '../src/http/graphiql.js';
import { costOf } from '../src/http/query-limits.js';
import { schema } from '../src/schema/index.js';
import { parse } from 'graphql';
import { startTestApp, type TestApp } from './helpers/app.js';
import { subscribe } from './helpers/sse.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ SUBSCRIPTION_MAX_SECONDS: '1' });
});
afterAll(() => t?.close());

const codeOf = (r: { body: { errors?: Array<{ extensions?: Record<string, any>; message: string }> } }) => r.body.errors?.[0]?.extensions?.code;

describe('document limits', () => {
  test('20 000 levels of nesting are refused by the token limit, not by a stack overflow', async () => {
    const deep = `{ ${'me { '.repeat(20_000)}id${' }'.repeat(20_000)} }`;
    const r = await t.gql(deep);
    expect(r.status).not.toBe(500);
    expect(r.body.errors![0]!.message).toMatch(/Token limit/);
  });

  test('a deeply nested input literal is refused the same way', async () => {
    const literal = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    const r = await t.gql(`{ quote(input: { count: ${literal} }) { coins } }`);
    expect(r.body.errors![0]!.extensions!.code).toBe("GRAPHQL_PARSE_FAILED");
    expect(r.status).not.toBe(500);
    expect(r.body.errors![0]!.message).toMatch(/Token limit/);
  });

  test('depth beyond MAX_QUERY_DEPTH is refused', async () => {
    const fragments = `{ me { generations { edges { node { images { videoPrompts { text } } } } } } }`;
    expect(codeOf(await t.gql(fragments))).not.toBe('GRAPHQL_VALIDATION_FAILED');
    const deeper = await t.gql('{ a: styleCatalog { poses { poses { value } } } ' + '}');
    expect(deeper.status).toBe(200);
    const limited = await startTestApp({ MAX_QUERY_DEPTH: '3' });
    try {
      const r = await limited.gql('{ me { generations { edges { node { id } } } } }');
      expect(r.body.errors![0]!.message).toMatch(/depth/i);
    } finally {
      await limited.close();
    }
  });

  test('1000 aliases of styleCatalog are refused before any resolver runs', async () => {
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: styleCatalog { categories { value } }`).join(' ');
    const r = await t.gql(`{ ${aliases} }`);
    expect(JSON.stringify(r.body).length).toBeLessThan(2_000);
    expect(r.body.data).toBeUndefined();
    // Fewer tokens, still too many aliases.
    const cheap = await t.gql(`{ ${Array.from({ length: 100 }, (_, i) => `a${i}: quote { coins }`).join(' ')} }`);
    expect(cheap.body.errors![0]!.message).toMatch(/aliases/i);
    expect(cheap.body.data).toBeUndefined();
  });

  test('aliases of me.generations(first: 100) are refused by cost: a page costs what first asks for', async () => {
    const token = await t.token('pager');
    const one = await t.gql('{ me { generations(first: 100) { edges { node { id status } } } } }', {}, { token });
    expect(one.status).toBe(200);
    const ten = Array.from({ length: 10 }, (_, i) => `g${i}: generations(first: 100) { edges { node { id status cost mode count createdAt } } }`).join(' ');
    const r = await t.gql(`{ me { ${ten} } }`, {}, { token });
    expect(codeOf(r)).toBe('QUERY_TOO_COSTLY');
    expect(r.status).toBe(400);
    expect(r.body.errors![0]!.extensions!.cost).toBeGreaterThan(5000);
  });

  test('cost follows `first`, including from variables', () => {
    const doc = parse('query($n: Int) { me { generations(first: $n) { edges { node { id status } } } } }');
    const small = costOf(schema, { document: doc, variableValues: { n: 2 }, contextValue: {} });
    const large = costOf(schema, { document: doc, variableValues: { n: 100 }, contextValue: {} });
    expect(large).toBeGreaterThan(small * 20);
  });

  test('too many directives are refused', async () => {
    const directives = Array.from({ length: 50 }, () => '@include(if: true)').join(' ');
    const r = await t.gql(`{ styleCatalog ${directives} { categories { value } } }`);
    expect(r.body.errors![0]!.message).toMatch(/directives/i);
  });

  test('the server answers normally after all of that', async () => {
    const r = await t.gql('{ styleCatalog { categories { value labelId } } }');
    expect(r.status).toBe(200);
    expect(r.body.data.styleCatalog.categories.length).toBeGreaterThan(3);
  });
});

describe('headers', () => {
  test('GraphQL answers are never cached and never sniffed', async () => {
    const r = await t.app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ quote { coins } }' }),
    });
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test('every other answer is nosniff too: health, readiness, 404s, media', async () => {
    for (const path of ['/health', '/ready', '/nope', '/media/x/y.jpg']) {
      const r = await t.app.yoga.fetch(`http://localhost${path}`) as Response;
      expect(r.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });

  test('the GraphiQL page is small, framed by nobody, and runs only same-origin scripts', async () => {
    const r = await t.app.yoga.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    const html = await r.text();
    expect(html.length).toBeLessThan(20_000);
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(html).toContain(`${GRAPHIQL_ASSETS_PATH}graphiql.js`);
    // No executable inline script: the only inline <script> is JSON data.
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((m) => m[1]);
    expect(inline.every((attrs) => /type="application\/json"/.test(attrs!))).toBe(true);
  });

  test('GraphiQL assets are compressed and cached for good; unknown ones are 404', async () => {
    const br = await t.app.yoga.fetch(`http://localhost${GRAPHIQL_ASSETS_PATH}graphiql.js`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(br.status).toBe(200);
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(br.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(Number(br.headers.get('content-length'))).toBeLessThan(4_000_000);
    const gz = await t.app.yoga.fetch(`http://localhost${GRAPHIQL_ASSETS_PATH}graphiql.css`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect((await t.app.yoga.fetch(`http://localhost${GRAPHIQL_ASSETS_PATH}../../etc/passwd`)).status).toBe(404);
    expect((await t.app.yoga.fetch(`http://localhost${GRAPHIQL_ASSETS_PATH}toString`)).status).toBe(404);
    expect((await t.app.yoga.fetch('http://localhost/graphiql/0000/graphiql.js')).status).toBe(404);
  });
});

describe('subscriptions', () => {
  test('a subscription ends by itself after SUBSCRIPTION_MAX_SECONDS', async () => {
    const token = await t.token('lingerer');
    const sub = subscribe(
      async (u, init) => t.app.yoga.fetch(u, init),
      'http://localhost/graphql',
      'subscription($key: String!) { generationEvents(idempotencyKey: $key) { stage } }',
      { key: 'never-sent' },
      token,
    );
    expect(await sub.events).toEqual([]);
    expect(sub.completed()).toBe(true);
  });
});
