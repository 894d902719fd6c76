// NODE_ENV=production is a real mode: development defaults are refused unless asked for by name,
// and strangers get no introspection, no GraphiQL and no "Did you mean" hints.
import { describe, expect, test } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';
import { startTestApp } from './helpers/app.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    parseConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

const ALLOW_ALL = { ALLOW_DEV_AUTH: 'true', ALLOW_EMBEDDED_DB: 'true', ALLOW_LOCAL_PROVIDERS: 'true', ALLOW_SANDBOX_PAYMENTS: 'true' };

describe('production configuration', () => {
  test('every development default is refused, each named, together with other problems', () => {
    const problems = problemsOf({ NODE_ENV: 'production', GENERATOR: 'fal' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^FAL_KEY: required when GENERATOR=fal/),
        expect.stringMatching(/^AUTH=dev: .*ALLOW_DEV_AUTH=true/),
        expect.stringMatching(/^LEDGER=pglite: .*ALLOW_EMBEDDED_DB=true/),
        expect.stringMatching(/^DESCRIBER=local: .*ALLOW_LOCAL_PROVIDERS=true/),
        expect.stringMatching(/^PAYMENTS=sandbox: .*ALLOW_SANDBOX_PAYMENTS=true/),
        expect.stringMatching(/^VIDEO=local: .*ALLOW_LOCAL_PROVIDERS=true/),
      ]),
    );
    expect(problemsOf({ NODE_ENV: 'production' })).toHaveLength(6);
  });

  test("Midtrans' own sandbox is refused too: real money needs MIDTRANS_PRODUCTION=true", () => {
    const midtrans = { NODE_ENV: 'production', ...ALLOW_ALL, ALLOW_SANDBOX_PAYMENTS: 'false', MIDTRANS_SERVER_KEY: 'SB-Mid-server-x' };
    expect(problemsOf(midtrans)).toEqual([expect.stringMatching(/^PAYMENTS=midtrans without MIDTRANS_PRODUCTION=true/)]);
    expect(problemsOf({ ...midtrans, MIDTRANS_PRODUCTION: 'true' })).toEqual([]);
    expect(problemsOf({ ...midtrans, PAYMENTS: 'sandbox' })).toEqual([expect.stringMatching(/^PAYMENTS=sandbox/)]);
    expect(problemsOf({ PAYMENTS: 'midtrans' })).toEqual(['MIDTRANS_SERVER_KEY: required when PAYMENTS=midtrans']);
  });

  test('TOPUP_PACKAGES is name:coins:price, each problem named', () => {
    expect(parseConfig({ TOPUP_PACKAGES: 'kecil:10:10000, besar:100:90000' }).topUps.packages).toEqual([
      { name: 'kecil', coins: 10, price: 10000 },
      { name: 'besar', coins: 100, price: 90000 },
    ]);
    for (const bad of ['kecil:10', 'Kecil:10:10000', 'kecil:0:10000', 'a:1:1,a:2:2', '', 'x:1:1.5']) {
      expect(problemsOf({ TOPUP_PACKAGES: bad })[0], bad).toMatch(/^TOPUP_PACKAGES: /);
    }
  });

  test('each refusal is lifted only by its own switch', () => {
    expect(problemsOf({ NODE_ENV: 'production', ALLOW_DEV_AUTH: 'true' })).toHaveLength(5);
    expect(problemsOf({ NODE_ENV: 'production', ALLOW_LOCAL_PROVIDERS: 'true' })).toHaveLength(3);
    expect(problemsOf({ NODE_ENV: 'production', ALLOW_SANDBOX_PAYMENTS: 'true' })).toHaveLength(5);
    expect(problemsOf({ NODE_ENV: 'production', ...ALLOW_ALL })).toEqual([]);
    expect(problemsOf({ NODE_ENV: 'production', ALLOW_DEV_AUTH: 'maybe', ...{ ALLOW_EMBEDDED_DB: 'true' } })[0]).toMatch(/^ALLOW_DEV_AUTH/);
  });

  test('real backends need no switch', () => {
    const config = parseConfig({
      NODE_ENV: 'production',
      SUPABASE_URL: 'https://abc.supabase.co',
      SUPABASE_SERVICE_ROLE_KEY: 's',
      DATABASE_URL: 'postgres://queue@db.example:5432/postgres',
      GEMINI_API_KEY: 'g',
      FAL_KEY: 'f',
      MIDTRANS_SERVER_KEY: 'Mid-server-m',
      MIDTRANS_PRODUCTION: 'true',
    });
    expect(config.production).toBe(true);
    expect(config.payments).toMatchObject({ kind: 'midtrans', production: true });
    expect(config.graphql).toEqual({ introspection: false, graphiql: false });
  });

  test('development keeps introspection and GraphiQL; production can turn them back on', () => {
    expect(parseConfig({}).graphql).toEqual({ introspection: true, graphiql: true });
    expect(parseConfig({ NODE_ENV: 'production', ...ALLOW_ALL, GRAPHQL_INTROSPECTION: 'true', GRAPHIQL: '1' }).graphql).toEqual({
      introspection: true,
      graphiql: true,
    });
  });
});

describe('a production server', () => {
  test('refuses introspection, serves no GraphiQL and gives no suggestions', async () => {
    const t = await startTestApp({ NODE_ENV: 'production', ...ALLOW_ALL });
    try {
      const introspection = await t.gql('{ __schema { types { name } } }');
      // Yoga answers validation failures 200 to `accept: application/json` clients (400 to graphql-response+json).
      expect(introspection.body.data).toBeUndefined();
      expect(introspection.body.errors![0]!.message).toMatch(/introspection has been disabled/i);
      const typeName = await t.gql('{ __type(name: "Viewer") { name } }');
      expect(typeName.body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');

      const page = await t.app.yoga.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toContain('<html');
      const asset = await t.app.yoga.fetch('http://localhost/graphiql/x/graphiql.js');
      expect(asset.status).not.toBe(200);

      const typo = await t.gql('{ styleCatalg { categories { value } } }');
      expect(typo.body.errors![0]!.message).toContain('Cannot query field "styleCatalg"');
      expect(JSON.stringify(typo.body)).not.toMatch(/Did you mean/);
      const badEnum = await t.gql('mutation { generateImages(input: { mode: REFERENCES }) { __typename } }', {}, { token: await t.token('p') });
      expect(JSON.stringify(badEnum.body)).not.toMatch(/Did you mean/);

      // The dev sign-in of the studio page does not exist, even with ALLOW_DEV_AUTH.
      const devToken = await t.app.yoga.fetch('http://localhost/dev/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'mallory' }),
      });
      expect(devToken.status).toBe(404);

      // Ordinary queries still work.
      const ok = await t.gql('{ styleCatalog { categories { value } } }');
      expect(ok.status).toBe(200);
    } finally {
      await t.close();
    }
  });

  test('in development the same typo gets its suggestion', async () => {
    const t = await startTestApp();
    try {
      const typo = await t.gql('{ styleCatalg { categories { value } } }');
      expect(typo.body.errors![0]!.message).toMatch(/Did you mean "styleCatalog"/);
    } finally {
      await t.close();
    }
  });
});
