// The way our frontends call us: Apollo Client with apollo-upload-client's UploadHttpLink, typed
// documents from codegen, against the real server listening on a port.
import { ApolloClient, InMemoryCache } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import UploadHttpLink from 'apollo-upload-client/UploadHttpLink.mjs';
import { readFileSync } from 'node:fs';
import { buildSchema, isAbstractType } from 'graphql';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { GenerateImagesDocument, HistoryDocument, MeDocument, StartGenerationDocument, StyleCatalogDocument } from './generated/graphql.js';
import { jpeg } from './helpers/images.js';
import { startServer, type RunningServer } from './helpers/server.js';

// Apollo's cache must know which types implement Error and make up the result unions.
function possibleTypes(): Record<string, string[]> {
  const schema = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));
  return Object.fromEntries(
    Object.values(schema.getTypeMap())
      .filter(isAbstractType)
      .map((type) => [type.name, schema.getPossibleTypes(type).map((t) => t.name)]),
  );
}

let server: RunningServer;
let client: ApolloClient;

beforeAll(async () => {
  server = await startServer({});
  const token = await server.token('apollo-seller');
  client = new ApolloClient({
    // apollo-require-preflight is one of the headers the CSRF rule accepts for multipart requests.
    link: new UploadHttpLink({ uri: `${server.url}/graphql`, headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' } }),
    cache: new InMemoryCache({
      possibleTypes: possibleTypes(),
      // History pages merge into one list as the seller scrolls.
      typePolicies: { Viewer: { fields: { generations: relayStylePagination() } } },
    }),
  });
});
afterAll(() => server?.close());

test('uploads two File objects and gets typed results', async () => {
  const files = [await jpeg({ color: '#ff8800' }), await jpeg({ color: '#0088ff' })].map(
    (bytes, i) => new File([bytes as Uint8Array<ArrayBuffer>], `product-${i}.jpg`, { type: 'image/jpeg' }),
  );
  const { data } = await client.mutate({
    mutation: GenerateImagesDocument,
    variables: { input: { productImages: files, options: { category: 'Fashion', modelType: 'Pria', aspectRatio: '4:3' } } },
  });
  const result = data!.generateImages;
  if (result.__typename !== 'GenerateImagesSuccess') throw new Error(`unexpected ${result.__typename}`);
  expect(result.generation.status).toBe('SUCCEEDED');
  expect(result.generation.images).toHaveLength(2);
  expect(result.generation.images[0]!.width).toBeGreaterThan(result.generation.images[0]!.height);
  expect(result.generation.descriptions.map((d) => d.slot)).toEqual(['PRODUCT_1', 'PRODUCT_2']);

  const me = await client.query({ query: MeDocument, fetchPolicy: 'network-only' });
  expect(me.data!.me.coinsBalance).toBe(result.remainingCoins);
});

test('reads the style catalog', async () => {
  const { data } = await client.query({ query: StyleCatalogDocument });
  expect(data!.styleCatalog.categories.find((c) => c.value === 'BAGS')?.labelId).toBe('Tas');
});

test('history pages merge in the cache with relayStylePagination', async () => {
  for (let i = 0; i < 3; i++) {
    const { data } = await client.mutate({ mutation: StartGenerationDocument, variables: { input: { count: 1 } } });
    expect(data!.startGeneration.__typename).toBe('StartGenerationSuccess');
  }
  const first = await client.query({ query: HistoryDocument, variables: { first: 2 }, fetchPolicy: 'network-only' });
  const page1 = first.data!.me.generations;
  expect(page1.edges).toHaveLength(2);
  expect(page1.pageInfo.hasNextPage).toBe(true);

  // fetchMore-style: the next page is merged by the field policy, newest first, nothing repeated
  const more = await client.query({ query: HistoryDocument, variables: { first: 2, after: page1.pageInfo.endCursor }, fetchPolicy: 'network-only' });
  expect(more.data!.me.generations.edges.length).toBeGreaterThan(0);
  const merged = client.readQuery({ query: HistoryDocument, variables: { first: 2 } })!.me.generations;
  const ids = merged.edges.map((e) => e.node.id);
  // this seller's batches: one from the upload test above and the three just started
  expect(ids).toHaveLength(4);
  expect(more.data!.me.generations.edges.map((e) => e.node.id)).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.slice(0, 2)).toEqual(page1.edges.map((e) => e.node.id));
  const created = merged.edges.map((e) => Date.parse(e.node.createdAt));
  for (let i = 1; i < created.length; i++) expect(created[i]).toBeLessThanOrEqual(created[i - 1]!);
});
