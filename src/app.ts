// createApp(config): the Yoga instance with the schema, uploads, CSRF and CORS rules, error masking,
// the signed /media route, /health and /ready, plus the in-process worker. main.ts only listens.
import { randomUUID } from 'node:crypto';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createFetch } from '@whatwg-node/fetch';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import { openAuthenticator } from './adapters/wiring.js';
import type { Config } from './config.js';
import { viewerFrom, type Context, type Services } from './context.js';
import { createLogger } from './logger.js';
import { serveMedia } from './media/serve.js';
import { schema } from './schema/index.js';
import { StudioError, UnknownUserError } from './studio/errors.js';
import type { Ledger, Logger } from './studio/ports.js';
import { openCore, type CoreOverrides } from './services.js';

export interface AppOverrides extends CoreOverrides {
  log?: Logger;
}

const GRAPHIQL_WELCOME = `# Etalase: AI product photography. These queries are public; run them with ▶.
{
  styleCatalog {
    categories { value label labelId }
    modelTypes { value label labelId }
  }
  quote { coins }
}

# Signed-in queries need a token in the Headers tab:
#   { "Authorization": "Bearer <output of: npm run -s dev-token -- --user alice>" }
# then try:
#   { me { id coinsBalance generations(first: 5) { edges { node { id status images { url } } } } } }
# Uploads (generateImages) need a multipart client: see the README's curl example.
`;

export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight'];

// Liveness is Yoga's own /health (200, empty body); readiness also asks the database.
const json = (fetchAPI: { Response: typeof Response }, body: unknown, status = 200) =>
  new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function extraRoutes(media: Parameters<typeof serveMedia>[0] | null, ledger: Ledger): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (media && url.pathname.startsWith('/media/')) {
        const response = await serveMedia(media, url);
        if (response) endResponse(response);
      } else if (url.pathname === '/ready') {
        const ready = await ledger
          .balance('00000000-0000-4000-8000-000000000000')
          .then(() => true, () => false);
        endResponse(json(fetchAPI, { status: ready ? 'ready' : 'unavailable' }, ready ? 200 : 503));
      }
    },
  };
}

export async function createApp(config: Config, overrides: AppOverrides = {}) {
  const log = overrides.log ?? createLogger(config.logLevel);
  const [core, authenticator] = await Promise.all([openCore(config, log, overrides), openAuthenticator(config, log)]);
  const { ledger, events, storage, studio } = core;
  const services: Services = { studio, ledger, events, storage };

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'Etalase', defaultQuery: GRAPHIQL_WELCOME },
    renderGraphiQL,
    cors: config.corsOrigins ? { origin: config.corsOrigins, credentials: false } : { origin: '*', credentials: false },
    // Yoga's default body cap (25 MB) is below what the file limits allow: MAX_FILES full-size photos.
    maxRequestBodySize: config.limits.maxFiles * config.limits.maxFileBytes + 1_000_000,
    fetchAPI: createFetch({
      formDataLimits: {
        fileSize: config.limits.maxFileBytes,
        files: config.limits.maxFiles,
        fieldSize: 1_000_000,
        parts: config.limits.maxFiles + 10,
      },
    }),
    context: async ({ request }) => ({ viewer: await viewerFrom(request, authenticator), services }),
    maskedErrors: {
      maskError: (error): Error => {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (original instanceof GraphQLError || (error instanceof GraphQLError && !original)) return error as GraphQLError;
        if (original instanceof UnknownUserError) {
          return new GraphQLError(original.message, { extensions: { code: 'UNAUTHENTICATED' } });
        }
        // Expected failures on fields without a typed error union still say what was wrong.
        if (original instanceof StudioError) {
          return new GraphQLError(original.message, {
            extensions: { code: 'BAD_USER_INPUT', ...('field' in original ? { field: original.field } : {}) },
          });
        }
        const errorId = randomUUID();
        log.error('unexpected error', { errorId, error: String(original), stack: (original as Error)?.stack });
        return new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR', errorId } });
      },
    },
    plugins: [useCSRFPrevention({ requestHeaders: CSRF_HEADERS }), extraRoutes(core.mediaLookup, ledger)],
    logging: {
      debug: (...a) => log.debug(a.map(String).join(' ')),
      info: (...a) => log.info(a.map(String).join(' ')),
      warn: (...a) => log.warn(a.map(String).join(' ')),
      error: (...a) => log.error(a.map(String).join(' ')),
    },
  });

  // The in-process worker (WORKER_CONCURRENCY; 0 = API only, jobs run by `npm run worker`).
  await core.startWorkers(config.workerConcurrency);

  return {
    yoga,
    services,
    log,
    /** takes jobs in this process too (beyond WORKER_CONCURRENCY), `concurrency` at once */
    startWorkers: (concurrency: number) => core.startWorkers(concurrency),
    /** stops the in-process worker (running jobs get `graceMs` to finish) and disconnects */
    close: (graceMs?: number) => core.close(graceMs),
  };
}

export type App = Awaited<ReturnType<typeof createApp>>;
