// createApp(config): the Yoga instance with the schema, uploads, CSRF and CORS rules, error masking,
// /media, /health and /ready, plus the recovery sweep. main.ts only listens.
import { randomUUID } from 'node:crypto';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createFetch } from '@whatwg-node/fetch';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import { openEvents } from './adapters/events/pubsub.js';
import { mediaDir, openAuthenticator, openDescriber, openGenerator, openLedger, openPromptWriter } from './adapters/wiring.js';
import type { Config } from './config.js';
import { viewerFrom, type Context, type Services } from './context.js';
import { renderGraphiQLPage, serveGraphiQLAsset } from './http/graphiql.js';
import { useRequestGuard } from './http/multipart-guard.js';
import { queryLimitPlugins, useQueryCost, withoutSuggestions } from './http/query-limits.js';
import { useSecurityHeaders } from './http/security-headers.js';
import { createObservability } from './observability/index.js';
import { createImagePreparer } from './media/prepare.js';
import { serveMedia } from './media/serve.js';
import { schema } from './schema/index.js';
import { StudioError, UnknownUserError } from './studio/errors.js';
import { createStudio } from './studio/pipeline.js';
import type { Clock, Describer, Generator, Ledger, Logger, PromptWriter } from './studio/ports.js';
import { recoverOverdue } from './studio/recovery.js';
import { createWebRoutes } from './web/serve.js';

export interface AppOverrides {
  clock?: Clock;
  log?: Logger;
  ledger?: Ledger;
  describer?: Describer;
  generator?: Generator;
  /** null: no writer, the composer writes every prompt */
  promptWriter?: PromptWriter | null;
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
#   { me { id coinsBalance generations { id status images { url } } } }
# Uploads (generateImages) need a multipart client: the studio page at / does it in the browser
# (and signs you in), or see the README's curl example.
`;

export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight'];

// Liveness is Yoga's own /health (200, empty body); readiness also asks the database.
const json = (fetchAPI: { Response: typeof Response }, body: unknown, status = 200) =>
  new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function extraRoutes(config: Config, ledger: Ledger, log: Logger): Plugin {
  const web = createWebRoutes(config, log);
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname.startsWith('/media/')) {
        const response = await serveMedia(mediaDir(config), url.pathname);
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
  const clock = overrides.clock ?? { now: () => new Date() };
  const ledger = await observability.ledger(overrides.ledger ?? openLedger(config, log));
  await ledger.setSignupCoins(config.coins.signup);
  await ledger.setGenerationLimits({
    maxActive: config.fairUse?.maxActiveGenerations ?? null,
    perMinute: config.fairUse?.generationsPerMinute ?? null,
  });
  const [describer, generator, authenticator, events] = await Promise.all([
    observability.describer(overrides.describer ?? openDescriber(config)),
    observability.generator(overrides.generator ?? openGenerator(config, log)),
    openAuthenticator(config, log),
    openEvents(config, log),
  ]);
  const promptWriter = overrides.promptWriter === undefined ? await openPromptWriter(config) : (overrides.promptWriter ?? undefined);

  const studio = createStudio({
    ledger,
    describer,
    generator,
    preparer: observability.preparer(createImagePreparer({ maxPixels: config.limits.maxPixels })),
    clock,
    ids: { uuid: randomUUID },
    log,
    pricing: { textToImage: config.coins.textToImage, reference: config.coins.reference },
    deadlineMs: config.generationDeadlineMs,
    events,
    promptWriter,
    promptWriterTimeoutMs: config.promptWriterTimeoutMs,
  });
  const services: Services = {
    studio,
    ledger,
    events,
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

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: config.graphql.graphiql ? { title: 'Etalase', defaultQuery: GRAPHIQL_WELCOME } : false,
    renderGraphiQL: renderGraphiQLPage,
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
      extraRoutes(config, ledger, log),
      // The last plugin to set a request parser: strict multipart and body caps before GraphQL.
      useRequestGuard({ schema, maxFiles: config.limits.maxFiles, maxTokens: config.queryLimits.maxTokens }),
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

  const recover = () =>
    recoverOverdue({ ledger, generator, clock, log, resumeTimeoutMs: Math.min(config.generationDeadlineMs, 60_000) });
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    sweeping = sweeping.then(recover).catch((error) => log.error('recovery sweep failed', { error: String(error) }));
    return sweeping;
  };
  const timer = config.recoveryIntervalMs > 0 ? setInterval(sweep, config.recoveryIntervalMs) : null;
  timer?.unref();
  void sweep();

  return {
    yoga,
    services,
    log,
    metrics: observability.metrics.registry,
    /** runs one recovery sweep now (also runs at start and every RECOVERY_INTERVAL_MS) */
    sweep,
    async close() {
      if (timer) clearInterval(timer);
      await sweeping;
      await Promise.all([ledger.close(), events.close()]);
    },
  };
}

export type App = Awaited<ReturnType<typeof createApp>>;
