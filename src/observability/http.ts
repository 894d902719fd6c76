// The Yoga side: a scope (request id, user, generation) around every request, echoed as
// x-request-id; an access log line; one trace per request when tracing is on; Yoga's Prometheus
// plugin on the app's registry; and /metrics on the API port unless METRICS_PORT moves it.
import { randomUUID } from 'node:crypto';
import { useOpenTelemetry } from '@envelop/opentelemetry';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span, type TextMapGetter } from '@opentelemetry/api';
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.js';
import type { Logger } from '../studio/ports.js';
import type { Metrics } from './metrics.js';
import { metricsReply } from './metrics-endpoint.js';
import { annotateScope, runInScope, type Scope } from './scope.js';

// An id from a trusted proxy is kept when it is short and plain; anything else is replaced.
const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/** Low-cardinality route names for span names: media URLs carry random ids. */
const routeOf = (pathname: string) => (pathname.startsWith('/media/') ? '/media/*' : pathname);

interface RequestState {
  scope: Scope & { requestId: string };
  started: number;
  span?: Span;
}

function useRequestScope(log: Logger, tracing: boolean): Plugin<{ viewer?: { userId: string } | null }> {
  const states = new WeakMap<Request, RequestState>();
  const viewerSeen = ({ args }: { args: { contextValue: { viewer?: { userId: string } | null } } }) => {
    const userId = args.contextValue.viewer?.userId;
    if (userId) annotateScope({ userId });
  };
  return {
    instrumentation: {
      request({ request }, wrapped) {
        const incoming = request.headers.get('x-request-id');
        const state: RequestState = {
          scope: { requestId: incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID() },
          started: performance.now(),
        };
        states.set(request, state);
        return runInScope(state.scope, () => {
          if (!tracing) return wrapped();
          const url = new URL(request.url);
          const parent = propagation.extract(context.active(), request.headers, headerGetter);
          state.span = trace.getTracer('etalase').startSpan(
            `${request.method} ${routeOf(url.pathname)}`,
            {
              kind: SpanKind.SERVER,
              attributes: { 'http.request.method': request.method, 'url.path': routeOf(url.pathname), 'etalase.request.id': state.scope.requestId },
            },
            parent,
          );
          return context.with(trace.setSpan(parent, state.span), wrapped);
        });
      },
    },
    onExecute: viewerSeen,
    onSubscribe: viewerSeen,
    onResponse({ request, response }) {
      const state = states.get(request);
      if (!state) return;
      response.headers.set('x-request-id', state.scope.requestId);
      const path = new URL(request.url).pathname;
      if (state.span) {
        state.span.setAttribute('http.response.status_code', response.status);
        if (state.scope.userId) state.span.setAttribute('etalase.user.id', state.scope.userId);
        if (state.scope.generationId) state.span.setAttribute('etalase.generation.id', state.scope.generationId);
        if (response.status >= 500) state.span.setStatus({ code: SpanStatusCode.ERROR });
        state.span.end();
      }
      const line = { method: request.method, path: routeOf(path), status: response.status, durationMs: Math.round(performance.now() - state.started) };
      // The scope is gone by now (the response is sent outside it): pass its ids explicitly.
      log[QUIET_PATHS.has(path) ? 'debug' : 'info']('request', { ...state.scope, ...line });
    },
  };
}

function useMetricsRoute(metrics: Metrics, token: string | null): Plugin {
  return {
    async onRequest({ url, request, fetchAPI, endResponse }) {
      if (url.pathname !== '/metrics') return;
      const reply = await metricsReply(metrics.registry, token, request.headers.get('authorization'));
      endResponse(new fetchAPI.Response(reply.body, { status: reply.status, headers: reply.headers }));
    },
  };
}

export function observabilityPlugins(config: Config, log: Logger, metrics: Metrics): Plugin[] {
  const plugins: Plugin[] = [
    useRequestScope(log, config.tracing !== null) as Plugin,
    usePrometheus({
      registry: metrics.registry,
      endpoint: false,
      metrics: {
        // Root-field timings come from observability/root-fields.ts, which wraps only those.
        graphql_envelop_execute_resolver: false,
        // Off because each costs every request more than it tells: a Summary recomputes quantiles
        // on every observation (request_duration's histogram has the same timings), the deprecated-
        // field metric walks every document with TypeInfo, and the schema never changes at runtime.
        graphql_envelop_request_time_summary: false,
        graphql_envelop_deprecated_field: false,
        graphql_envelop_schema_change: false,
      },
      // Full URLs (query strings, media ids) would make a series per request.
      labels: { url: false },
    }),
  ];
  if (config.metrics.port === null) plugins.push(useMetricsRoute(metrics, config.metrics.token));
  if (config.tracing) {
    // Operation spans under the request span; never variables, results or resolver arguments.
    plugins.push(useOpenTelemetry({ resolvers: false, variables: false, result: false }, trace.getTracerProvider(), SpanKind.INTERNAL, {}, 'etalase') as Plugin);
  }
  return plugins;
}
