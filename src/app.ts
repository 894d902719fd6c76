// createApp(config): the Yoga instance with the schema, uploads, CSRF and CORS rules, error masking,
// the signed /media route, the payment routes (http/payments.ts), /health and /ready, plus the
// in-process worker. main.ts only listens.
import { randomUUID } from 'node:crypto';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createFetch } from '@whatwg-node/fetch';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import { withApiKeys } from './adapters/auth/api-keys.js';
import type { SandboxPayments } from './adapters/payments/sandbox.js';
import { openAuthenticator } from './adapters/wiring.js';
import type { Config } from './config.js';
import { viewerFrom, type Context, type Services } from './context.js';
import { renderGraphiQLPage, serveGraphiQLAsset } from './http/graphiql.js';
import { useRequestGuard } from './http/multipart-guard.js';
import type { Downloads } from './http/downloads.js';
import { createPaymentRoutes } from './http/payments.js';
import { createUploadAdmission } from './http/upload-admission.js';
import { queryLimitPlugins, useQueryCost, withoutSuggestions } from './http/query-limits.js';
import { useSecurityHeaders } from './http/security-headers.js';
import { createObservability } from './observability/index.js';
import { serveMedia } from './media/serve.js';
import { schema } from './schema/index.js';
import { StudioError, UnknownUserError } from './studio/errors.js';
import type { Ledger, Logger } from './studio/ports.js';
import type { TopUpService } from './studio/topups.js';
import { openCore, type CoreOverrides } from './services.js';
import { createWebRoutes } from './web/serve.js';

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
# Uploads (generateImages) need a multipart client: the studio page at / does it in the browser
# (and signs you in), or see the README's curl example.
`;

export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight'];

// Liveness is Yoga's own /health (200, empty body); readiness also asks the database.
const json = (fetchAPI: { Response: typeof Response }, body: unknown, status = 200) =>
  new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

type PaymentParts = { topUps: TopUpService; sandbox: SandboxPayments | null };

function extraRoutes(
  config: Config,
  media: Parameters<typeof serveMedia>[0] | null,
  ledger: Ledger,
  payments: PaymentParts,
  downloads: Downloads,
  log: Logger,
): Plugin {
  const web = createWebRoutes(config, log);
  const pay = createPaymentRoutes({
    ...payments,
    spend: (subject, cost, limit) => ledger.spendQueryBudget(subject, cost, limit),
    notificationsPerMinute: config.topUps.notificationsPerMinute,
    csrfHeaders: CSRF_HEADERS,
    log,
  });
  return {
    async onRequest({ request, url, endResponse, fetchAPI, serverContext }) {
      if (url.pathname.startsWith('/payments/')) {
        const address = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req?.socket?.remoteAddress ?? null;
        const response = await pay.handle(request, url, address);
        if (response) endResponse(response);
      } else if (media && url.pathname.startsWith('/media/')) {
        const response = await serveMedia(media, url, Date.now(), request.headers.get('range'));
        if (response) endResponse(response);
      } else if (url.pathname.startsWith('/zip/') || url.pathname.startsWith('/catalogs/')) {
        const response = await downloads.handle(url);
        if (response) endResponse(response);
      } else if (url.pathname.startsWith('/graphiql/') && config.graphql.graphiql) {
        const response = await serveGraphiQLAsset(url.pathname, request.headers.get('accept-encoding'));
        if (response) endResponse(response);
      } else if (url.pathname === '/ready') {
        const ready = await ledger
          .balance('00000000-0000-4000-8000-000000000000')
          .then(() => true, () => false);
        endResponse(json(fetchAPI, { status: ready ? 'ready' : 'unavailable' }, ready ? 200 : 503));
      } else {
        const response = await web.handle(request, url);
        if (response) endResponse(response);
      }
    },
  };
}

export async function createApp(config: Config, overrides: AppOverrides = {}) {
  const observability = createObservability(config, { log: overrides.log });
  const log = observability.log;
  const [core, tokens] = await Promise.all([openCore(config, log, overrides, observability), openAuthenticator(config, log)]);
  const { ledger, events, storage, studio, clips, catalogs, remakes, exports, topUps, apiKeys } = core;
  // Session tokens, and the sellers' API keys for their backends (Bearer etl_…).
  const authenticator = withApiKeys(tokens, apiKeys);
  const services: Services = {
    downloads: core.downloads,
    studio,
    clips,
    catalogs,
    remakes,
    exports,
    ledger,
    events,
    storage,
    topUps,
    apiKeys,
    subscriptions: { maxPerUser: config.fairUse?.maxSubscriptions ?? null, maxSeconds: config.subscriptionMaxSeconds },
  };
  const budget = config.fairUse && {
    perMinute: config.fairUse.queryCostPerMinute,
    spend: (subject: string, cost: number, limit: number) => ledger.spendQueryBudget(subject, cost, limit),
    subjectOf: (context: unknown) => {
      const c = context as Partial<Context>;
      return c.viewer ? `user:${c.viewer.userId}` : `client:${c.clientAddress ?? 'local'}`;
    },
  };

  // Yoga's default body cap (25 MB) is below what the file limits allow: MAX_FILES full-size photos.
  // A catalogue's ZIP may be larger than one photo (CATALOG_ZIP_MAX_BYTES): Yoga's per-file limit is the
  // larger, and the request guard holds every other file to MAX_FILE_BYTES.
  const maxBodyBytes = Math.max(config.limits.maxFiles * config.limits.maxFileBytes, config.limits.maxZipBytes) + 1_000_000;
  const uploads = createUploadAdmission({ budgetBytes: config.uploads.memoryBytes, maxBodyBytes, maxWaitMs: config.uploads.waitMs });

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema: observability.schema(schema),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: config.graphql.graphiql ? { title: 'Etalase', defaultQuery: GRAPHIQL_WELCOME } : false,
    renderGraphiQL: renderGraphiQLPage,
    cors: config.corsOrigins ? { origin: config.corsOrigins, credentials: false } : { origin: '*', credentials: false },
    // Off: the request guard caps every body it lets through (1 MB for JSON, maxBodyBytes for
    // multipart, counted as read when no length is declared); Yoga's cap copied each body through a
    // stream to count it again, on every request.
    maxRequestBodySize: false,
    fetchAPI: createFetch({
      formDataLimits: {
        fileSize: Math.max(config.limits.maxFileBytes, config.limits.maxZipBytes),
        files: config.limits.maxFiles,
        fieldSize: 1_000_000,
        parts: config.limits.maxFiles + 10,
      },
    }),
    context: async ({ request, req }: { request: Request; req?: { socket?: { remoteAddress?: string } } }) => ({
      viewer: await viewerFrom(request, authenticator),
      services,
      clientAddress: req?.socket?.remoteAddress ?? null,
    }),
    maskedErrors: {
      maskError: (error): Error => {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (original instanceof GraphQLError || (error instanceof GraphQLError && !original)) {
          return config.production ? withoutSuggestions(error as GraphQLError) : (error as GraphQLError);
        }
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
    plugins: [
      ...observability.plugins,
      useSecurityHeaders('/graphql'),
      useCSRFPrevention({ requestHeaders: CSRF_HEADERS }),
      extraRoutes(config, core.mediaLookup, ledger, { topUps, sandbox: core.sandbox }, core.downloads, log),
      // The last plugin to set a request parser: strict multipart and body caps before GraphQL.
      useRequestGuard({
        schema,
        maxFiles: config.limits.maxFiles,
        maxTokens: config.queryLimits.maxTokens,
        admission: uploads,
        maxBodyBytes,
        maxFileBytes: config.limits.maxFileBytes,
        maxZipBytes: config.limits.maxZipBytes,
      }),
      ...queryLimitPlugins(config),
      useQueryCost(schema, config.queryLimits.maxCost, budget || null),
    ],
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
    metrics: observability.metrics.registry,
    /** the upload-memory bound: what is admitted, queued and spooled */
    uploads,
    /** takes jobs in this process too (beyond WORKER_CONCURRENCY), `concurrency` at once */
    startWorkers: (concurrency: number) => core.startWorkers(concurrency),
    /** stops the in-process worker (running jobs get `graceMs` to finish) and disconnects */
    close: (graceMs?: number) => core.close(graceMs),
  };
}

export type App = Awaited<ReturnType<typeof createApp>>;
